import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import {
  type BaseConfigFields,
  baseConfigShape,
  type Dtype,
  type ExecutionProvider,
  fillDerivedDefaults,
  type RopeScaling,
  refineBaseConfig,
} from './base-config-schema.js';

/** A zod schema of config fields, as built by {@link defineConfigSchema}. */
export type ConfigSchema = z.ZodType<BaseConfigFields>;

/**
 * The schema of a config class: {@link BaseConfig}'s fields plus `extraShape`,
 * with the base cross-field rules and `extraRefine`. Subclasses assign the
 * result to their `static schema`.
 */
export function defineConfigSchema<Extra extends z.ZodRawShape = Record<never, never>>(
  extraShape?: Extra,
  extraRefine?: (config: BaseConfigFields & z.output<z.ZodObject<Extra>>, ctx: z.RefinementCtx) => void,
) {
  return z
    .object({ ...baseConfigShape, ...(extraShape ?? ({} as Extra)) })
    .transform(
      (parsed) =>
        fillDerivedDefaults(parsed as unknown as Parameters<typeof fillDerivedDefaults>[0]) as unknown as BaseConfigFields &
          z.output<z.ZodObject<Extra>>,
    )
    .superRefine((config, ctx) => {
      refineBaseConfig(config, ctx);
      extraRefine?.(config, ctx);
    });
}

/** Options of the {@link BaseConfig} constructor. */
export interface ConfigSourceOptions {
  /** Where the values came from (a `config.json` path); named in errors. */
  source?: string;
  /** The original Hugging Face `config.json`, kept so {@link BaseConfig.toHuggingFace} loses nothing. */
  huggingFace?: Record<string, unknown>;
}

/** Maps a field to its Hugging Face `config.json` key. */
export type HuggingFaceKeyMap = Readonly<Record<string, string>>;

const baseHuggingFaceKeys = {
  architectures: 'architectures',
  modelType: 'model_type',
  hiddenSize: 'hidden_size',
  numAttentionHeads: 'num_attention_heads',
  numKeyValueHeads: 'num_key_value_heads',
  numHiddenLayers: 'num_hidden_layers',
  intermediateSize: 'intermediate_size',
  vocabSize: 'vocab_size',
  maxPositionEmbeddings: 'max_position_embeddings',
  headDim: 'head_dim',
  rmsNormEps: 'rms_norm_eps',
  ropeTheta: 'rope_theta',
  ropeScaling: 'rope_scaling',
  tieWordEmbeddings: 'tie_word_embeddings',
  bosTokenId: 'bos_token_id',
  eosTokenId: 'eos_token_id',
  padTokenId: 'pad_token_id',
} as const satisfies HuggingFaceKeyMap;

/**
 * The configuration of a model: its architecture (as in a Hugging Face
 * `config.json`) and how PIO runs it. Construction fills sensible defaults and
 * validates everything; a bad value throws one {@link ConfigError} listing
 * every offending field.
 *
 * A model package subclasses it for its own fields:
 *
 * ```ts
 * const schema = defineConfigSchema({ attentionBias: z.boolean().default(false) });
 * export class LlamaConfig extends BaseConfig {
 *   static override readonly schema: ConfigSchema = schema;
 *   static override readonly huggingFaceKeys = { ...BaseConfig.huggingFaceKeys, attentionBias: 'attention_bias' };
 *   declare readonly attentionBias: boolean;
 * }
 * ```
 *
 * Fields are declared with `declare` in subclasses: the base constructor
 * assigns every field the schema returns.
 */
export class BaseConfig implements BaseConfigFields {
  /** The schema the constructor validates with. Subclasses replace it (see {@link defineConfigSchema}). */
  static readonly schema: ConfigSchema = defineConfigSchema();

  /** Field name to Hugging Face `config.json` key. Subclasses extend it. */
  static readonly huggingFaceKeys: HuggingFaceKeyMap = baseHuggingFaceKeys;

  declare readonly architectures: string[];
  declare readonly modelType: string;
  declare readonly hiddenSize: number;
  declare readonly numAttentionHeads: number;
  declare readonly numKeyValueHeads: number;
  declare readonly numHiddenLayers: number;
  declare readonly intermediateSize: number;
  declare readonly vocabSize: number;
  declare readonly maxPositionEmbeddings: number;
  declare readonly headDim: number;
  declare readonly rmsNormEps: number;
  declare readonly ropeTheta: number;
  declare readonly ropeScaling: RopeScaling | null;
  declare readonly tieWordEmbeddings: boolean;
  declare readonly bosTokenId: number | null;
  declare readonly eosTokenId: number | number[] | null;
  declare readonly padTokenId: number | null;
  declare readonly dtype: Dtype;
  declare readonly maxContextLength: number;
  declare readonly numThreads: number;
  declare readonly executionProvider: ExecutionProvider;
  declare readonly memoryBudgetGb: number | null;
  declare readonly maxBatchSize: number;

  /** Where the values came from, when known. */
  declare readonly source: string | undefined;
  /** The original Hugging Face `config.json`, when built from one. */
  declare readonly huggingFace: Readonly<Record<string, unknown>> | undefined;

  /**
   * Validates `init` over the defaults.
   *
   * @throws ConfigError listing every field that breaks a rule.
   */
  constructor(init: Partial<BaseConfigFields> & Record<string, unknown> = {}, options: ConfigSourceOptions = {}) {
    const ctor = new.target as typeof BaseConfig;
    const result = ctor.schema.safeParse(init, { reportInput: true });
    if (!result.success) {
      throw new ConfigError({
        configName: ctor.name,
        issues: toConfigIssues(result.error, init, ctor.huggingFaceKeys, options),
        ...(options.source ? { source: options.source } : {}),
      });
    }
    Object.assign(this, result.data);
    // Not enumerable: toJSON and spreading give exactly the config fields.
    Object.defineProperty(this, 'source', { value: options.source, enumerable: false });
    Object.defineProperty(this, 'huggingFace', { value: options.huggingFace, enumerable: false });
  }

  /**
   * Builds a config from a parsed Hugging Face `config.json`, with `runtime`
   * fields (or any field) on top.
   *
   * @param json - The parsed `config.json`.
   * @param overrides - Fields to set over the mapped values (runtime settings).
   * @param source - Path of the file, named in errors.
   * @throws ConfigError naming the `config.json` key of every bad value.
   */
  static fromHuggingFace<T extends typeof BaseConfig>(
    this: T,
    json: Record<string, unknown>,
    overrides: Partial<BaseConfigFields> & Record<string, unknown> = {},
    source?: string,
  ): InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass the call was made on (LlamaConfig.fromHuggingFace builds a LlamaConfig)
    const mapped = this.mapHuggingFace(json);
    return new this({ ...mapped, ...overrides }, { huggingFace: json, ...(source ? { source } : {}) }) as InstanceType<T>;
  }

  /**
   * Maps `config.json` keys to fields with {@link BaseConfig.huggingFaceKeys}.
   * Absent keys stay absent (defaults apply). Override for keys that need more
   * than a rename, and call `super.mapHuggingFace`.
   */
  static mapHuggingFace(json: Record<string, unknown>): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    // biome-ignore lint/complexity/noThisInStatic: subclasses extend huggingFaceKeys; `this` picks theirs
    for (const [field, key] of Object.entries(this.huggingFaceKeys)) {
      if (json[key] !== undefined) fields[field] = json[key];
    }
    if (isRecord(json.rope_scaling)) fields.ropeScaling = ropeScalingFromHuggingFace(json.rope_scaling);
    return fields;
  }

  /** Every field, for JSON: `new Config(config.toJSON())` gives an equal config. */
  toJSON(): BaseConfigFields & Record<string, unknown> {
    return structuredClone({ ...this }) as BaseConfigFields & Record<string, unknown>;
  }

  /**
   * A Hugging Face `config.json` object: the original one (when built from
   * one) with every mapped field written back. Runtime fields are left out.
   */
  toHuggingFace(): Record<string, unknown> {
    const ctor = this.constructor as typeof BaseConfig;
    const out: Record<string, unknown> = structuredClone({ ...(this.huggingFace ?? {}) });
    const self = this as unknown as Record<string, unknown>;
    for (const [field, key] of Object.entries(ctor.huggingFaceKeys)) {
      if (field === 'ropeScaling') continue;
      out[key] = structuredClone(self[field]);
    }
    out.rope_scaling = this.ropeScaling ? ropeScalingToHuggingFace(this.ropeScaling, out.rope_scaling) : null;
    return out;
  }

  /**
   * Parameters of a dense Llama-style decoder of this shape: embeddings,
   * attention and MLP projections, norms, and the LM head when untied.
   * Subclasses with other layers (biases, experts) override it.
   */
  estimateParameters(): number {
    const { hiddenSize: h, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, vocabSize, numHiddenLayers } =
      this;
    const attention = h * numAttentionHeads * headDim * 2 + h * numKeyValueHeads * headDim * 2;
    const mlp = 3 * h * intermediateSize;
    const perLayer = attention + mlp + 2 * h;
    return vocabSize * h * (this.tieWordEmbeddings ? 1 : 2) + numHiddenLayers * perLayer + h;
  }

  /**
   * Parameters one token reads: all of them for a dense model; a mixture of
   * experts overrides this with the chosen experts only. What decode speed
   * depends on (weight bytes read per token).
   */
  activeParameters(): number {
    return this.estimateParameters();
  }

  /**
   * Estimated bytes of the weights at `dtype` as PIO stores them: 4 per
   * parameter at float32; at int8 and int4 a byte or half a byte per weight
   * plus a float32 scale per block (64 at int8, 128 at int4).
   */
  estimateWeightBytes(dtype: Dtype = this.dtype, parameters: number = this.estimateParameters()): number {
    const perWeight = dtype === 'int4' ? 0.5 + 4 / 128 : dtype === 'int8' ? 1 + 4 / 64 : dtype === 'float16' ? 2 : 4;
    return Math.round(parameters * perWeight);
  }

  /**
   * Bytes of the KV cache for `tokens` tokens at fp32: K and V of every layer,
   * `numKeyValueHeads * headDim` floats per token each.
   */
  kvCacheBytes(tokens: number = this.maxContextLength): number {
    return 2 * this.numHiddenLayers * tokens * this.numKeyValueHeads * this.headDim * 4;
  }

  /** The EOS token ids as a list (empty when the config has none). */
  get eosTokenIds(): number[] {
    if (this.eosTokenId === null) return [];
    return Array.isArray(this.eosTokenId) ? [...this.eosTokenId] : [this.eosTokenId];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ropeScalingFromHuggingFace(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ropeType: raw.rope_type ?? raw.type, factor: raw.factor ?? 1 };
  if (raw.low_freq_factor !== undefined) out.lowFreqFactor = raw.low_freq_factor;
  if (raw.high_freq_factor !== undefined) out.highFreqFactor = raw.high_freq_factor;
  if (raw.original_max_position_embeddings !== undefined) {
    out.originalMaxPositionEmbeddings = raw.original_max_position_embeddings;
  }
  return out;
}

function ropeScalingToHuggingFace(scaling: RopeScaling, original: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(isRecord(original) ? original : {}) };
  out.rope_type = scaling.ropeType;
  out.factor = scaling.factor;
  if (scaling.lowFreqFactor !== undefined) out.low_freq_factor = scaling.lowFreqFactor;
  if (scaling.highFreqFactor !== undefined) out.high_freq_factor = scaling.highFreqFactor;
  if (scaling.originalMaxPositionEmbeddings !== undefined) {
    out.original_max_position_embeddings = scaling.originalMaxPositionEmbeddings;
  }
  return out;
}

function toConfigIssues(
  error: z.ZodError,
  init: Record<string, unknown>,
  keys: HuggingFaceKeyMap,
  options: ConfigSourceOptions,
): ConfigIssue[] {
  // Name the config.json key only for values that came from one: keys the
  // original JSON has, or every key when only a source file is known.
  const fromJson = (key: string) => (options.huggingFace ? key in options.huggingFace : options.source !== undefined);
  return error.issues.map((issue) => {
    const [head, ...rest] = issue.path.map(String);
    const field = [head, ...rest].filter(Boolean).join('.') || '(config)';
    const mappedKey = head ? keys[head] : undefined;
    const key = mappedKey && fromJson(mappedKey) ? mappedKey : undefined;
    const value = 'input' in issue && issue.input !== undefined ? issue.input : head ? init[head] : init;
    return { field, value, rule: key ? `${issue.message} (config.json key "${key}")` : issue.message };
  });
}
