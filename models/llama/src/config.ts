import { BaseConfig, type ConfigSchema, defineConfigSchema } from '@pio/core';
import { z } from 'zod';

const schema = defineConfigSchema(
  {
    attentionBias: z.boolean({ error: 'must be true or false' }).default(false),
    mlpBias: z.boolean({ error: 'must be true or false' }).default(false),
    slidingWindow: z.number().int().positive().nullable().default(null),
  },
  (config, ctx) => {
    if (config.slidingWindow !== null && config.slidingWindow < config.maxContextLength) {
      ctx.addIssue({
        code: 'custom',
        path: ['slidingWindow'],
        input: config.slidingWindow,
        message: `sliding-window attention is not supported: it must be null or >= maxContextLength (${config.maxContextLength}); lower maxContextLength to ${config.slidingWindow} to run this model`,
      });
    }
  },
);

/**
 * The config of a Llama-family model (`LlamaForCausalLM`, and Mistral-style
 * configs without an active sliding window): {@link BaseConfig} plus
 * `attention_bias`, `mlp_bias` and `sliding_window`.
 */
export class LlamaConfig extends BaseConfig {
  static override readonly schema: ConfigSchema = schema as unknown as ConfigSchema;
  static override readonly huggingFaceKeys = {
    ...BaseConfig.huggingFaceKeys,
    attentionBias: 'attention_bias',
    mlpBias: 'mlp_bias',
    slidingWindow: 'sliding_window',
  };
  /** q/k/v/o projections have biases (`attention_bias`). */
  declare readonly attentionBias: boolean;
  /** gate/up/down projections have biases (`mlp_bias`). */
  declare readonly mlpBias: boolean;
  /** Mistral's `sliding_window`; only null or one covering the whole context is supported. */
  declare readonly slidingWindow: number | null;
}
