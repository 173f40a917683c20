import { z } from 'zod';

/** Weight precision of the built model. */
export type Dtype = 'float32' | 'float16' | 'int8' | 'int4';

/** Every {@link Dtype}. */
export const dtypes: readonly Dtype[] = ['float32', 'float16', 'int8', 'int4'];

/** Where onnxruntime runs the graph. Only `cpu` works on machines without a GPU. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu' | 'coreml' | 'dml';

/** Every {@link ExecutionProvider}. */
export const executionProviders: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu', 'coreml', 'dml'];

/** Fields every model has, as in a Hugging Face `config.json`: what it is and its vocabulary. */
export interface ModelFields {
  /** Hugging Face `architectures`, for example `["LlamaForCausalLM"]`. */
  architectures: string[];
  /** Hugging Face `model_type`, for example `llama`. Empty when unknown. */
  modelType: string;
  /** Vocabulary size (`vocab_size`). */
  vocabSize: number;
  /** Longest context the position encoding was trained for (`max_position_embeddings`). */
  maxPositionEmbeddings: number;
  /** Beginning-of-sequence token id (`bos_token_id`), or null. */
  bosTokenId: number | null;
  /** End-of-sequence token id or ids (`eos_token_id`), or null. */
  eosTokenId: number | number[] | null;
  /** Padding token id (`pad_token_id`), or null. */
  padTokenId: number | null;
}

/** Fields describing how PIO runs the model; not part of a Hugging Face config. */
export interface RuntimeFields {
  /** Weight precision of the built graph. */
  dtype: Dtype;
  /**
   * Longest sequence (prompt plus generation) to run; at most
   * `maxPositionEmbeddings`. Default: `maxPositionEmbeddings`, capped at
   * {@link defaultContextLengthCap} (32768) tokens. What is sized by it —
   * a decoder's rotary tables baked into the built graph (`maxContextLength × headDim`
   * floats), the KV cache's largest size, the build cache key — follows the
   * context actually run, so a config claiming 1e7 or 1e12 positions builds
   * as small a model as one claiming 4096. Set it higher (the CLI's
   * `--context N`) to run longer contexts.
   */
  maxContextLength: number;
  /** Threads for onnxruntime's intra-op pool; 0 lets onnxruntime use every core. */
  numThreads: number;
  /** Where onnxruntime runs. */
  executionProvider: ExecutionProvider;
  /** Memory the model may use in GiB, or null for no limit. Checked before loading. */
  memoryBudgetGb: number | null;
  /**
   * Most sequences a plugin decodes together in one batched step when
   * `generate` is called concurrently (continuous batching); further calls
   * wait for a place. Default 16.
   */
  maxBatchSize: number;
}

/** Every field of a {@link BaseConfig}: what every model has. Decoder fields are in `DecoderFields`. */
export type BaseConfigFields = ModelFields & RuntimeFields;

/**
 * Default cap of `maxContextLength` when it is not set: 32768 tokens. Models
 * declare up to millions of positions (`max_position_embeddings`), far more
 * than a CPU runs in useful time; the cap keeps the rotary tables of a build
 * at most `32768 × headDim × 4` bytes (16 MiB at a head size of 128). The KV
 * cache does not allocate up to it: it grows as tokens arrive.
 */
export const defaultContextLengthCap = 32768;

// zod's int() also refuses numbers beyond Number.MAX_SAFE_INTEGER: say so, not "must be an integer" about 1e20.
/** The message of a failed integer rule, naming the safe-integer bounds zod enforces. */
export const integerError = (issue: { code: string }) => {
  if (issue.code === 'too_big')
    return `must be an integer of at most ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER)`;
  if (issue.code === 'too_small')
    return `must be an integer of at least ${Number.MIN_SAFE_INTEGER} (Number.MIN_SAFE_INTEGER)`;
  return 'must be an integer';
};
/** A positive integer field. */
export const positiveInt = () =>
  z.number({ error: 'must be a number' }).int({ error: integerError }).positive({ error: 'must be > 0' });
const tokenId = () =>
  z.number({ error: 'must be a number' }).int({ error: integerError }).nonnegative({ error: 'must be >= 0' });

/** The zod shape of {@link BaseConfigFields}: defaults and per-field rules. */
export const baseConfigShape = {
  architectures: z.array(z.string()).default([]),
  modelType: z.string().default(''),
  vocabSize: positiveInt().default(32000),
  maxPositionEmbeddings: positiveInt().default(4096),
  bosTokenId: tokenId().nullable().default(1),
  eosTokenId: z
    .union([tokenId(), z.array(tokenId()).min(1)], { error: 'must be a token id or a list of them' })
    .nullable()
    .default(2),
  padTokenId: tokenId().nullable().default(null),
  dtype: z
    .enum(['float32', 'float16', 'int8', 'int4'], { error: 'must be one of float32, float16, int8, int4' })
    .default('float32'),
  maxContextLength: positiveInt().optional(),
  numThreads: z.number().int({ error: 'must be an integer' }).min(0, { error: 'must be >= 0' }).default(0),
  executionProvider: z
    .enum(['cpu', 'cuda', 'webgpu', 'coreml', 'dml'], { error: 'must be one of cpu, cuda, webgpu, coreml, dml' })
    .default('cpu'),
  memoryBudgetGb: z.number().positive({ error: 'must be > 0' }).nullable().default(null),
  maxBatchSize: positiveInt().max(256, { error: 'must be <= 256' }).default(16),
};

/** The output of {@link baseConfigShape} before {@link fillBaseDefaults}. */
export type ParsedBaseShape = z.output<z.ZodObject<typeof baseConfigShape>>;

/**
 * Fills the defaults that depend on other fields: `maxContextLength`
 * (`maxPositionEmbeddings`, at most {@link defaultContextLengthCap}).
 */
export function fillBaseDefaults<T extends ParsedBaseShape>(parsed: T): T & BaseConfigFields {
  return {
    ...parsed,
    maxContextLength: parsed.maxContextLength ?? Math.min(parsed.maxPositionEmbeddings, defaultContextLengthCap),
  };
}

/** Rules that span several fields; run after every field is valid on its own. */
export function refineBaseConfig(config: BaseConfigFields, ctx: z.RefinementCtx): void {
  const issue = (field: keyof BaseConfigFields, message: string) =>
    ctx.addIssue({ code: 'custom', path: [field], message, input: config[field] });
  if (config.maxContextLength > config.maxPositionEmbeddings) {
    issue('maxContextLength', `must be <= maxPositionEmbeddings (${config.maxPositionEmbeddings})`);
  }
  for (const field of ['bosTokenId', 'padTokenId'] as const) {
    const id = config[field];
    if (id !== null && id >= config.vocabSize) issue(field, `must be < vocabSize (${config.vocabSize})`);
  }
  const eos =
    config.eosTokenId === null ? [] : Array.isArray(config.eosTokenId) ? config.eosTokenId : [config.eosTokenId];
  if (eos.some((id) => id >= config.vocabSize))
    issue('eosTokenId', `every id must be < vocabSize (${config.vocabSize})`);
}
