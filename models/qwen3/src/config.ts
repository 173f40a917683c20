import { type ConfigSchema, DecoderConfig, defineDecoderConfigSchema } from '@pio/core';
import { z } from 'zod';

const schema = defineDecoderConfigSchema(
  {
    attentionBias: z.boolean({ error: 'must be true or false' }).default(false),
    useSlidingWindow: z.boolean({ error: 'must be true or false' }).default(false),
  },
  (config, ctx) => {
    if (config.useSlidingWindow) {
      ctx.addIssue({
        code: 'custom',
        path: ['useSlidingWindow'],
        input: true,
        message: 'sliding-window attention is not supported; dense Qwen3 checkpoints set use_sliding_window to false',
      });
    }
  },
);

/**
 * The config of a Qwen3 dense model (`Qwen3ForCausalLM`): {@link DecoderConfig}
 * (with its explicit `head_dim`) plus `attention_bias` and
 * `use_sliding_window`. Defaults are Qwen3-0.6B's.
 */
export class Qwen3Config extends DecoderConfig {
  static override readonly schema: ConfigSchema = schema as unknown as ConfigSchema;
  static override readonly huggingFaceKeys = {
    ...DecoderConfig.huggingFaceKeys,
    attentionBias: 'attention_bias',
    useSlidingWindow: 'use_sliding_window',
  };
  /** q/k/v/o projections have biases (`attention_bias`, false in released Qwen3). */
  declare readonly attentionBias: boolean;
  /** `use_sliding_window`; only false is supported. */
  declare readonly useSlidingWindow: boolean;

  /** The dense count plus Qwen3's per-layer q_norm and k_norm weights. */
  override estimateParameters(): number {
    return super.estimateParameters() + this.numHiddenLayers * 2 * this.headDim;
  }
}
