import type { z } from 'zod';
import {
  BaseConfig,
  baseConfigLayer,
  type ConfigLayer,
  type ConfigSchema,
  composeConfigSchema,
  type HuggingFaceKeyMap,
} from './base-config.js';
import { baseConfigShape } from './base-config-schema.js';
import {
  type DecoderConfigFields,
  decoderConfigShape,
  fillDecoderDefaults,
  type ParsedDecoderShape,
  type RopeScaling,
  refineDecoderConfig,
} from './decoder-config-schema.js';

/**
 * {@link DecoderConfig}'s layer: the base fields and the decoder's, in the
 * order of a `config.json` (identity, the decoder's sizes, vocabulary, runtime;
 * errors list fields in this order), with the decoder's rules before the base ones.
 */
export const decoderConfigLayer: ConfigLayer<DecoderConfigFields> = {
  shape: {
    architectures: baseConfigShape.architectures,
    modelType: baseConfigShape.modelType,
    ...decoderConfigShape,
    ...baseConfigLayer.shape,
  },
  fill: (parsed) =>
    fillDecoderDefaults(baseConfigLayer.fill(parsed) as unknown as ParsedDecoderShape) as unknown as Record<
      string,
      unknown
    >,
  refine: (config, ctx) => {
    refineDecoderConfig(config, ctx);
    baseConfigLayer.refine(config, ctx);
  },
};

/**
 * The schema of a decoder's config class: {@link DecoderConfig}'s fields plus
 * `extraShape`, with the base and decoder cross-field rules and
 * `extraRefine`. Subclasses assign the result to their `static schema`.
 */
export function defineDecoderConfigSchema<Extra extends z.ZodRawShape = Record<never, never>>(
  extraShape?: Extra,
  extraRefine?: (config: DecoderConfigFields & z.output<z.ZodObject<Extra>>, ctx: z.RefinementCtx) => void,
) {
  return composeConfigSchema(decoderConfigLayer, extraShape, extraRefine);
}

const decoderHuggingFaceKeys = {
  ...BaseConfig.huggingFaceKeys,
  hiddenSize: 'hidden_size',
  numAttentionHeads: 'num_attention_heads',
  numKeyValueHeads: 'num_key_value_heads',
  numHiddenLayers: 'num_hidden_layers',
  intermediateSize: 'intermediate_size',
  headDim: 'head_dim',
  rmsNormEps: 'rms_norm_eps',
  ropeTheta: 'rope_theta',
  ropeScaling: 'rope_scaling',
  tieWordEmbeddings: 'tie_word_embeddings',
} as const;

/**
 * The configuration of a decoder-only transformer: {@link BaseConfig} plus
 * its widths, heads, layers, norms and rotary embedding, as in a Hugging Face
 * `config.json`. What the engine's `DecoderTextPlugin` and the graph builder
 * of `@pio/onnx` read. A model package subclasses it for its own fields:
 *
 * ```ts
 * const schema = defineDecoderConfigSchema({ attentionBias: z.boolean().default(false) });
 * export class LlamaConfig extends DecoderConfig {
 *   static override readonly schema: ConfigSchema = schema;
 *   static override readonly huggingFaceKeys = { ...DecoderConfig.huggingFaceKeys, attentionBias: 'attention_bias' };
 *   declare readonly attentionBias: boolean;
 * }
 * ```
 */
export class DecoderConfig extends BaseConfig implements DecoderConfigFields {
  static override readonly schema: ConfigSchema = defineDecoderConfigSchema();
  static override readonly huggingFaceKeys: HuggingFaceKeyMap = decoderHuggingFaceKeys;

  declare readonly hiddenSize: number;
  declare readonly numAttentionHeads: number;
  declare readonly numKeyValueHeads: number;
  declare readonly numHiddenLayers: number;
  declare readonly intermediateSize: number;
  declare readonly headDim: number;
  declare readonly rmsNormEps: number;
  declare readonly ropeTheta: number;
  declare readonly ropeScaling: RopeScaling | null;
  declare readonly tieWordEmbeddings: boolean;

  /** Maps `config.json` keys to fields; `rope_scaling` is converted to {@link RopeScaling}. */
  static override mapHuggingFace(json: Record<string, unknown>): Record<string, unknown> {
    // biome-ignore lint/complexity/noThisInStatic: `super` dispatches with the subclass as `this`, so its huggingFaceKeys are read
    const fields = super.mapHuggingFace(json);
    if (isRecord(json.rope_scaling)) fields.ropeScaling = ropeScalingFromHuggingFace(json.rope_scaling);
    return fields;
  }

  /** A Hugging Face `config.json` object, `rope_scaling` in its own spelling (keys it does not know kept). */
  override toHuggingFace(): Record<string, unknown> {
    const out = super.toHuggingFace();
    out.rope_scaling = this.ropeScaling
      ? ropeScalingToHuggingFace(this.ropeScaling, this.huggingFace?.rope_scaling)
      : null;
    return out;
  }

  /**
   * Parameters of a dense Llama-style decoder of this shape: embeddings,
   * attention and MLP projections, norms, and the LM head when untied.
   * Subclasses with other layers (biases, experts) override it.
   */
  override estimateParameters(): number {
    const {
      hiddenSize: h,
      numAttentionHeads,
      numKeyValueHeads,
      headDim,
      intermediateSize,
      vocabSize,
      numHiddenLayers,
    } = this;
    const attention = h * numAttentionHeads * headDim * 2 + h * numKeyValueHeads * headDim * 2;
    const mlp = 3 * h * intermediateSize;
    const perLayer = attention + mlp + 2 * h;
    return vocabSize * h * (this.tieWordEmbeddings ? 1 : 2) + numHiddenLayers * perLayer + h;
  }

  /**
   * Bytes of the KV cache for `tokens` tokens at fp32: K and V of every layer,
   * `numKeyValueHeads * headDim` floats per token each.
   */
  override kvCacheBytes(tokens: number = this.maxContextLength): number {
    return 2 * this.numHiddenLayers * tokens * this.numKeyValueHeads * this.headDim * 4;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The optional `rope_scaling` keys beside `rope_type` and `factor`: field name, then Hugging Face key. */
const ropeScalingKeys = [
  ['lowFreqFactor', 'low_freq_factor'],
  ['highFreqFactor', 'high_freq_factor'],
  ['originalMaxPositionEmbeddings', 'original_max_position_embeddings'],
  ['betaFast', 'beta_fast'],
  ['betaSlow', 'beta_slow'],
  ['mscale', 'mscale'],
  ['mscaleAllDim', 'mscale_all_dim'],
  ['attentionFactor', 'attention_factor'],
  ['truncate', 'truncate'],
] as const satisfies readonly (readonly [keyof RopeScaling, string])[];

function ropeScalingFromHuggingFace(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ropeType: raw.rope_type ?? raw.type, factor: raw.factor ?? 1 };
  // null is how Python writes an unset optional: the same as absent.
  for (const [field, key] of ropeScalingKeys) if (raw[key] !== undefined && raw[key] !== null) out[field] = raw[key];
  return out;
}

function ropeScalingToHuggingFace(scaling: RopeScaling, original: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(isRecord(original) ? original : {}) };
  out.rope_type = scaling.ropeType;
  out.factor = scaling.factor;
  for (const [field, key] of ropeScalingKeys) if (scaling[field] !== undefined) out[key] = scaling[field];
  return out;
}
