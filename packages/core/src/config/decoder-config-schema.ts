import { z } from 'zod';
import type { BaseConfigFields } from './base-config-schema.js';
import { positiveInt } from './base-config-schema.js';

/**
 * Rotary embedding scaling, the `rope_scaling` of a Hugging Face config in
 * camelCase. `llama3` uses the low/high frequency factors, `yarn` the beta,
 * mscale and attention-factor fields; `linear` and `dynamic` only `factor`.
 */
export interface RopeScaling {
  /** Scaling method (`rope_type`, or `type` in older configs). */
  ropeType: 'default' | 'linear' | 'dynamic' | 'llama3' | 'yarn';
  /** Scaling factor. */
  factor: number;
  /** `low_freq_factor` of llama3 scaling. */
  lowFreqFactor?: number;
  /** `high_freq_factor` of llama3 scaling. */
  highFreqFactor?: number;
  /** Context length the model was trained with before scaling. */
  originalMaxPositionEmbeddings?: number;
  /** `beta_fast` of yarn: rotations below which a frequency is extrapolated (kept); default 32. */
  betaFast?: number;
  /** `beta_slow` of yarn: rotations above which a frequency is interpolated (divided by the factor); default 1. */
  betaSlow?: number;
  /** `mscale` of yarn (DeepSeek-style): with `mscaleAllDim`, sets the cos/sin scale. */
  mscale?: number;
  /** `mscale_all_dim` of yarn (DeepSeek-style): also scales the attention softmax of latent-attention models. */
  mscaleAllDim?: number;
  /** `attention_factor` of yarn: the cos/sin scale, when given instead of derived. */
  attentionFactor?: number;
  /** `truncate` of yarn: round the blend range to whole dimensions; default true. */
  truncate?: boolean;
}

/**
 * Fields describing a decoder-only transformer, as in a Hugging Face
 * `config.json`: its widths, heads, layers, norms and rotary embedding.
 */
export interface DecoderFields {
  /** Width of the residual stream (`hidden_size`). */
  hiddenSize: number;
  /** Query heads per layer (`num_attention_heads`). */
  numAttentionHeads: number;
  /** Key/value heads per layer (`num_key_value_heads`); divides `numAttentionHeads`. */
  numKeyValueHeads: number;
  /** Decoder layers (`num_hidden_layers`). */
  numHiddenLayers: number;
  /** Width of the MLP (`intermediate_size`). */
  intermediateSize: number;
  /** Width of one attention head (`head_dim`); defaults to `hiddenSize / numAttentionHeads`. */
  headDim: number;
  /** Epsilon of RMS normalization (`rms_norm_eps`). */
  rmsNormEps: number;
  /** Base of the rotary embedding frequencies (`rope_theta`). */
  ropeTheta: number;
  /** Rotary scaling (`rope_scaling`), or null. */
  ropeScaling: RopeScaling | null;
  /** The LM head shares the embedding matrix (`tie_word_embeddings`). */
  tieWordEmbeddings: boolean;
}

/** Every field of a {@link DecoderConfig}: the base fields and the decoder's. */
export type DecoderConfigFields = BaseConfigFields & DecoderFields;

const ropeScalingSchema = z.object({
  ropeType: z.enum(['default', 'linear', 'dynamic', 'llama3', 'yarn'], {
    error: 'must be one of default, linear, dynamic, llama3, yarn',
  }),
  factor: z.number().positive({ error: 'must be > 0' }),
  lowFreqFactor: z.number().positive().optional(),
  highFreqFactor: z.number().positive().optional(),
  originalMaxPositionEmbeddings: positiveInt().optional(),
  betaFast: z.number().positive({ error: 'must be > 0' }).optional(),
  betaSlow: z.number().positive({ error: 'must be > 0' }).optional(),
  mscale: z.number().nonnegative({ error: 'must be >= 0' }).optional(),
  mscaleAllDim: z.number().nonnegative({ error: 'must be >= 0' }).optional(),
  attentionFactor: z.number().positive({ error: 'must be > 0' }).optional(),
  truncate: z.boolean({ error: 'must be true or false' }).optional(),
});

/** The zod shape of {@link DecoderFields}: defaults and per-field rules. */
export const decoderConfigShape = {
  hiddenSize: positiveInt().default(4096),
  numAttentionHeads: positiveInt().default(32),
  numKeyValueHeads: positiveInt().optional(),
  numHiddenLayers: positiveInt().default(32),
  intermediateSize: positiveInt().default(11008),
  headDim: positiveInt().optional(),
  rmsNormEps: z.number().positive({ error: 'must be > 0' }).max(1, { error: 'must be <= 1' }).default(1e-6),
  ropeTheta: z.number().positive({ error: 'must be > 0' }).default(10000),
  ropeScaling: ropeScalingSchema.nullable().default(null),
  tieWordEmbeddings: z.boolean({ error: 'must be true or false' }).default(false),
};

/** The output of {@link decoderConfigShape} before {@link fillDecoderDefaults}. */
export type ParsedDecoderShape = z.output<z.ZodObject<typeof decoderConfigShape>>;

/**
 * Fills the decoder defaults that depend on other fields: `numKeyValueHeads`
 * (all heads) and `headDim` (`hiddenSize / numAttentionHeads`).
 */
export function fillDecoderDefaults<T extends ParsedDecoderShape>(parsed: T): T & DecoderFields {
  return {
    ...parsed,
    numKeyValueHeads: parsed.numKeyValueHeads ?? parsed.numAttentionHeads,
    headDim: parsed.headDim ?? parsed.hiddenSize / parsed.numAttentionHeads,
  };
}

/** The decoder's rules that span several fields; run after every field is valid on its own. */
export function refineDecoderConfig(config: DecoderConfigFields, ctx: z.RefinementCtx): void {
  const issue = (field: keyof DecoderFields, message: string) =>
    ctx.addIssue({ code: 'custom', path: [field], message, input: config[field] });
  if (!Number.isInteger(config.headDim)) {
    issue(
      'headDim',
      `hiddenSize (${config.hiddenSize}) is not divisible by numAttentionHeads (${config.numAttentionHeads}); set headDim explicitly`,
    );
  } else if (config.headDim % 2 !== 0) {
    issue('headDim', 'must be even (rotary embeddings rotate pairs of channels)');
  }
  if (config.numAttentionHeads % config.numKeyValueHeads !== 0) {
    issue('numKeyValueHeads', `must divide numAttentionHeads (${config.numAttentionHeads})`);
  }
  if (config.ropeScaling?.ropeType === 'llama3') {
    const { lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings } = config.ropeScaling;
    if (lowFreqFactor === undefined || highFreqFactor === undefined || originalMaxPositionEmbeddings === undefined) {
      issue('ropeScaling', 'llama3 scaling needs lowFreqFactor, highFreqFactor and originalMaxPositionEmbeddings');
    } else if (highFreqFactor <= lowFreqFactor) {
      issue('ropeScaling', 'highFreqFactor must be > lowFreqFactor');
    }
  }
  if (config.ropeScaling?.ropeType === 'yarn') {
    const { betaFast = 32, betaSlow = 1 } = config.ropeScaling;
    if (betaFast <= betaSlow) issue('ropeScaling', `yarn betaFast (${betaFast}) must be > betaSlow (${betaSlow})`);
  }
}
