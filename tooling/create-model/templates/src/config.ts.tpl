import { type ConfigSchema, DecoderConfig, defineDecoderConfigSchema } from '@pio/core';
import { z } from 'zod';

// The fields __displayName__ adds to DecoderConfig, with the defaults used when a
// config.json leaves them out. These two are the Llama ones the generated code
// uses (the graph builder reads attentionBias, supports__Pascal__Config in
// plugin.ts checks hiddenAct); add the keys your architecture's config.json has
// and DecoderConfig.huggingFaceKeys lacks. Pass a second argument to
// defineDecoderConfigSchema for rules that span several fields.
const schema = defineDecoderConfigSchema({
  attentionBias: z.boolean({ error: 'must be true or false' }).default(false),
  hiddenAct: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).default('silu'),
});

/**
 * The config of a __displayName__ model: {@link DecoderConfig} plus the
 * `attention_bias` and `hidden_act` keys of its `config.json`. Build it with
 * `__Pascal__Config.fromHuggingFace(json)`; a bad value throws a ConfigError
 * naming the config.json key.
 */
export class __Pascal__Config extends DecoderConfig {
  static override readonly schema: ConfigSchema = schema;
  static override readonly huggingFaceKeys = {
    ...DecoderConfig.huggingFaceKeys,
    attentionBias: 'attention_bias',
    hiddenAct: 'hidden_act',
  };
  /** The q/k/v/o projections have biases (`attention_bias`). */
  declare readonly attentionBias: boolean;
  /** Activation function of the MLP (`hidden_act`), for example `silu`. */
  declare readonly hiddenAct: string;
}
