import { type ConfigSchema, DecoderConfig, defineDecoderConfigSchema } from '@pio/core';
import { z } from 'zod';

/** `max_window_layers` of `Qwen2Config` when a config leaves it out. */
const qwen2MaxWindowLayers = 28;

const schema = defineDecoderConfigSchema(
  {
    attentionBias: z.boolean({ error: 'must be true or false' }).default(false),
    queryKeyValueBias: z.boolean({ error: 'must be true or false' }).default(false),
    mlpBias: z.boolean({ error: 'must be true or false' }).default(false),
    slidingWindow: z.number().int().positive().nullable().default(null),
    useSlidingWindow: z.boolean({ error: 'must be true or false' }).nullable().default(null),
    maxWindowLayers: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be an integer' })
      .nonnegative({ error: 'must be >= 0' })
      .nullable()
      .default(null),
  },
  (config, ctx) => {
    const { slidingWindow, useSlidingWindow, maxContextLength } = config;
    // Mistral slides every layer whenever sliding_window is set; Qwen2 only with use_sliding_window, from
    // layer max_window_layers on. A window covering the whole context is plain causal attention.
    if (slidingWindow === null || useSlidingWindow === false || slidingWindow >= maxContextLength) return;
    const firstSliding = useSlidingWindow === true ? (config.maxWindowLayers ?? 0) : 0;
    if (firstSliding >= config.numHiddenLayers) return;
    if (useSlidingWindow === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['useSlidingWindow'],
        input: true,
        message: `sliding-window attention is not supported: layers ${firstSliding} and up would attend only to the last ${slidingWindow} tokens (sliding_window) of a ${maxContextLength}-token context; lower maxContextLength to ${slidingWindow} to run this model`,
      });
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: ['slidingWindow'],
      input: slidingWindow,
      message: `sliding-window attention is not supported: it must be null or >= maxContextLength (${maxContextLength}); lower maxContextLength to ${slidingWindow} to run this model`,
    });
  },
);

/**
 * The config of a Llama-family model (`LlamaForCausalLM`; Mistral-style
 * configs without an active sliding window; `Qwen2ForCausalLM`, the Llama
 * decoder with biases on q/k/v only): {@link DecoderConfig} plus
 * `attention_bias`, `mlp_bias`, `sliding_window`, `use_sliding_window` and
 * `max_window_layers`.
 *
 * A `config.json` of `model_type` `qwen2` sets {@link LlamaConfig.queryKeyValueBias}
 * (Qwen2 has no key for it: `Qwen2Attention` always builds q/k/v with
 * biases and o_proj without) and takes `Qwen2Config`'s defaults for absent
 * `use_sliding_window` (false) and `max_window_layers` (28).
 */
export class LlamaConfig extends DecoderConfig {
  static override readonly schema: ConfigSchema = schema as unknown as ConfigSchema;
  static override readonly huggingFaceKeys = {
    ...DecoderConfig.huggingFaceKeys,
    attentionBias: 'attention_bias',
    mlpBias: 'mlp_bias',
    slidingWindow: 'sliding_window',
    useSlidingWindow: 'use_sliding_window',
    maxWindowLayers: 'max_window_layers',
  };
  /** q/k/v/o projections have biases (`attention_bias`). */
  declare readonly attentionBias: boolean;
  /** q/k/v projections have biases and o_proj has none (Qwen2; set from `model_type` `qwen2`). */
  declare readonly queryKeyValueBias: boolean;
  /** gate/up/down projections have biases (`mlp_bias`). */
  declare readonly mlpBias: boolean;
  /**
   * `sliding_window`: Mistral's window of every layer, Qwen2's of the layers
   * from `maxWindowLayers` on when `useSlidingWindow`. Only a window that is
   * off or covers the whole context (`maxContextLength`) is supported.
   */
  declare readonly slidingWindow: number | null;
  /**
   * Qwen2's `use_sliding_window`: false turns `slidingWindow` off; null
   * (Llama, Mistral: no such key) leaves it on when set.
   */
  declare readonly useSlidingWindow: boolean | null;
  /** Qwen2's `max_window_layers`: with `useSlidingWindow`, layers from this index on slide. */
  declare readonly maxWindowLayers: number | null;

  /** Reads the keys of {@link DecoderConfig.mapHuggingFace}, and Qwen2's implied bias and defaults (see {@link LlamaConfig}). */
  static override mapHuggingFace(json: Record<string, unknown>): Record<string, unknown> {
    // biome-ignore lint/complexity/noThisInStatic: `super` keeps `this` = LlamaConfig, so the base maps LlamaConfig's keys
    const fields = super.mapHuggingFace(json);
    if (json.model_type === 'qwen2') {
      fields.queryKeyValueBias = true;
      fields.useSlidingWindow ??= false;
      fields.maxWindowLayers ??= qwen2MaxWindowLayers;
    }
    return fields;
  }

  /** The dense count plus the biases: q/k/v (`attentionBias` or `queryKeyValueBias`), o (`attentionBias`) and the MLP's (`mlpBias`). */
  override estimateParameters(): number {
    const { hiddenSize, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, numHiddenLayers } = this;
    const queryKeyValue =
      this.attentionBias || this.queryKeyValueBias ? (numAttentionHeads + 2 * numKeyValueHeads) * headDim : 0;
    const output = this.attentionBias ? hiddenSize : 0;
    const mlp = this.mlpBias ? 2 * intermediateSize + hiddenSize : 0;
    return super.estimateParameters() + numHiddenLayers * (queryKeyValue + output + mlp);
  }
}
