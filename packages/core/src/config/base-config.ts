import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import {
  type BaseConfigFields,
  baseConfigShape,
  type Dtype,
  type ExecutionProvider,
  fillBaseDefaults,
  type ParsedBaseShape,
  refineBaseConfig,
} from './base-config-schema.js';

/** A zod schema of config fields, as built by {@link defineConfigSchema}. */
export type ConfigSchema = z.ZodType<BaseConfigFields>;

/**
 * One kind of config's fields, for {@link composeConfigSchema}: their zod
 * shape, the defaults that depend on other fields, and the rules that span
 * fields. `DecoderConfig`'s layer is the base one plus the decoder's.
 */
export interface ConfigLayer<Fields extends BaseConfigFields> {
  /** Per-field rules and defaults. */
  shape: z.ZodRawShape;
  /** Fills the defaults derived from other fields, after every field parsed. */
  fill: (parsed: Record<string, unknown>) => Record<string, unknown>;
  /** Rules across fields; adds one issue per broken rule. */
  refine: (config: Fields, ctx: z.RefinementCtx) => void;
}

/** {@link BaseConfig}'s own layer: the fields every model has. */
export const baseConfigLayer: ConfigLayer<BaseConfigFields> = {
  shape: baseConfigShape,
  fill: (parsed) => fillBaseDefaults(parsed as ParsedBaseShape) as unknown as Record<string, unknown>,
  refine: refineBaseConfig,
};

/**
 * The schema of a config class from `layer` plus a subclass's `extraShape`
 * and `extraRefine`: the extension point for a kind of model other than a
 * decoder (an encoder, a vision tower) with fields of its own.
 */
export function composeConfigSchema<
  Fields extends BaseConfigFields,
  Extra extends z.ZodRawShape = Record<never, never>,
>(
  layer: ConfigLayer<Fields>,
  extraShape?: Extra,
  extraRefine?: (config: Fields & z.output<z.ZodObject<Extra>>, ctx: z.RefinementCtx) => void,
) {
  return z
    .object({ ...layer.shape, ...(extraShape ?? ({} as Extra)) })
    .transform(
      (parsed) => layer.fill(parsed as Record<string, unknown>) as unknown as Fields & z.output<z.ZodObject<Extra>>,
    )
    .superRefine((config, ctx) => {
      layer.refine(config, ctx);
      extraRefine?.(config, ctx);
    });
}

/**
 * The schema of a config class: {@link BaseConfig}'s fields plus `extraShape`,
 * with the base cross-field rules and `extraRefine`. Subclasses assign the
 * result to their `static schema`. A decoder's config uses
 * `defineDecoderConfigSchema` instead.
 */
export function defineConfigSchema<Extra extends z.ZodRawShape = Record<never, never>>(
  extraShape?: Extra,
  extraRefine?: (config: BaseConfigFields & z.output<z.ZodObject<Extra>>, ctx: z.RefinementCtx) => void,
) {
  return composeConfigSchema(baseConfigLayer, extraShape, extraRefine);
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
  vocabSize: 'vocab_size',
  maxPositionEmbeddings: 'max_position_embeddings',
  bosTokenId: 'bos_token_id',
  eosTokenId: 'eos_token_id',
  padTokenId: 'pad_token_id',
} as const satisfies HuggingFaceKeyMap;

/**
 * The configuration of a model: what every model has — its identity and
 * vocabulary (as in a Hugging Face `config.json`) and how PIO runs it.
 * Construction fills sensible defaults and validates everything; a bad value
 * throws one {@link ConfigError} listing every offending field. The fields of
 * a decoder-only transformer (widths, heads, norms, rotary) are
 * `DecoderConfig`'s, a subclass; a model that is no decoder (a remote model,
 * later an encoder) subclasses BaseConfig directly:
 *
 * ```ts
 * const schema = defineConfigSchema({ endpoint: z.string().url() });
 * export class RemoteConfig extends BaseConfig {
 *   static override readonly schema: ConfigSchema = schema;
 *   static override readonly huggingFaceKeys = { ...BaseConfig.huggingFaceKeys, endpoint: 'endpoint' };
 *   declare readonly endpoint: string;
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
  declare readonly vocabSize: number;
  declare readonly maxPositionEmbeddings: number;
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
    return new this(
      { ...mapped, ...overrides },
      { huggingFace: json, ...(source ? { source } : {}) },
    ) as InstanceType<T>;
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
    for (const [field, key] of Object.entries(ctor.huggingFaceKeys)) out[key] = structuredClone(self[field]);
    return out;
  }

  /**
   * Parameters of the model, or 0 when the config does not describe its
   * layers (a remote model). `DecoderConfig` counts a dense decoder;
   * subclasses with other layers (biases, experts) override it.
   */
  estimateParameters(): number {
    return 0;
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
   * Bytes of the state kept per sequence for `tokens` tokens (a decoder's KV
   * cache); 0 for a model that keeps none here.
   */
  kvCacheBytes(_tokens: number = this.maxContextLength): number {
    return 0;
  }

  /** The EOS token ids as a list (empty when the config has none). */
  get eosTokenIds(): number[] {
    if (this.eosTokenId === null) return [];
    return Array.isArray(this.eosTokenId) ? [...this.eosTokenId] : [this.eosTokenId];
  }
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
