import { z } from 'zod';

/** Weight precision of the built model. */
export type Dtype = 'float32' | 'float16' | 'int8' | 'int4';

/** Every {@link Dtype}. */
export const dtypes: readonly Dtype[] = ['float32', 'float16', 'int8', 'int4'];

/** Where onnxruntime runs the graph. Only `cpu` works on machines without a GPU. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu' | 'coreml' | 'dml';

/** Every {@link ExecutionProvider}. */
export const executionProviders: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu', 'coreml', 'dml'];

/**
 * Rotary embedding scaling, the `rope_scaling` of a Hugging Face config in
 * camelCase. `llama3` uses all fields; `linear` and `dynamic` only `factor`.
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
}

/** Fields describing a decoder-only transformer, as in a Hugging Face `config.json`. */
export interface ArchitectureFields {
  /** Hugging Face `architectures`, for example `["LlamaForCausalLM"]`. */
  architectures: string[];
  /** Hugging Face `model_type`, for example `llama`. Empty when unknown. */
  modelType: string;
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
  /** Vocabulary size (`vocab_size`). */
  vocabSize: number;
  /** Longest context the position encoding was trained for (`max_position_embeddings`). */
  maxPositionEmbeddings: number;
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
   * the rotary tables baked into the built graph (`maxContextLength × headDim`
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

/** Every field of a {@link BaseConfig}. */
export type BaseConfigFields = ArchitectureFields & RuntimeFields;

/**
 * Default cap of `maxContextLength` when it is not set: 32768 tokens. Models
 * declare up to millions of positions (`max_position_embeddings`), far more
 * than a CPU runs in useful time; the cap keeps the rotary tables of a build
 * at most `32768 × headDim × 4` bytes (16 MiB at a head size of 128). The KV
 * cache does not allocate up to it: it grows as tokens arrive.
 */
export const defaultContextLengthCap = 32768;

// zod's int() also refuses numbers beyond Number.MAX_SAFE_INTEGER: say so, not "must be an integer" about 1e20.
const integerError = (issue: { code: string }) => {
  if (issue.code === 'too_big') return `must be an integer of at most ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER)`;
  if (issue.code === 'too_small') return `must be an integer of at least ${Number.MIN_SAFE_INTEGER} (Number.MIN_SAFE_INTEGER)`;
  return 'must be an integer';
};
const positiveInt = () =>
  z.number({ error: 'must be a number' }).int({ error: integerError }).positive({ error: 'must be > 0' });
const tokenId = () =>
  z.number({ error: 'must be a number' }).int({ error: integerError }).nonnegative({ error: 'must be >= 0' });

const ropeScalingSchema = z.object({
  ropeType: z.enum(['default', 'linear', 'dynamic', 'llama3', 'yarn'], {
    error: 'must be one of default, linear, dynamic, llama3, yarn',
  }),
  factor: z.number().positive({ error: 'must be > 0' }),
  lowFreqFactor: z.number().positive().optional(),
  highFreqFactor: z.number().positive().optional(),
  originalMaxPositionEmbeddings: positiveInt().optional(),
});

/** The zod shape of {@link BaseConfigFields}: defaults and per-field rules. */
export const baseConfigShape = {
  architectures: z.array(z.string()).default([]),
  modelType: z.string().default(''),
  hiddenSize: positiveInt().default(4096),
  numAttentionHeads: positiveInt().default(32),
  numKeyValueHeads: positiveInt().optional(),
  numHiddenLayers: positiveInt().default(32),
  intermediateSize: positiveInt().default(11008),
  vocabSize: positiveInt().default(32000),
  maxPositionEmbeddings: positiveInt().default(4096),
  headDim: positiveInt().optional(),
  rmsNormEps: z.number().positive({ error: 'must be > 0' }).max(1, { error: 'must be <= 1' }).default(1e-6),
  ropeTheta: z.number().positive({ error: 'must be > 0' }).default(10000),
  ropeScaling: ropeScalingSchema.nullable().default(null),
  tieWordEmbeddings: z.boolean({ error: 'must be true or false' }).default(false),
  bosTokenId: tokenId().nullable().default(1),
  eosTokenId: z.union([tokenId(), z.array(tokenId()).min(1)], { error: 'must be a token id or a list of them' }).nullable().default(2),
  padTokenId: tokenId().nullable().default(null),
  dtype: z.enum(['float32', 'float16', 'int8', 'int4'], { error: 'must be one of float32, float16, int8, int4' }).default('float32'),
  maxContextLength: positiveInt().optional(),
  numThreads: z.number().int({ error: 'must be an integer' }).min(0, { error: 'must be >= 0' }).default(0),
  executionProvider: z
    .enum(['cpu', 'cuda', 'webgpu', 'coreml', 'dml'], { error: 'must be one of cpu, cuda, webgpu, coreml, dml' })
    .default('cpu'),
  memoryBudgetGb: z.number().positive({ error: 'must be > 0' }).nullable().default(null),
  maxBatchSize: positiveInt().max(256, { error: 'must be <= 256' }).default(16),
};

type ParsedShape = z.output<z.ZodObject<typeof baseConfigShape>>;

/**
 * Fills the defaults that depend on other fields: `numKeyValueHeads` (all
 * heads), `headDim` (`hiddenSize / numAttentionHeads`) and `maxContextLength`
 * (`maxPositionEmbeddings`, at most {@link defaultContextLengthCap}).
 */
export function fillDerivedDefaults<T extends ParsedShape>(parsed: T): T & BaseConfigFields {
  return {
    ...parsed,
    numKeyValueHeads: parsed.numKeyValueHeads ?? parsed.numAttentionHeads,
    headDim: parsed.headDim ?? parsed.hiddenSize / parsed.numAttentionHeads,
    maxContextLength: parsed.maxContextLength ?? Math.min(parsed.maxPositionEmbeddings, defaultContextLengthCap),
  };
}

/** Rules that span several fields; run after every field is valid on its own. */
export function refineBaseConfig(config: BaseConfigFields, ctx: z.RefinementCtx): void {
  const issue = (field: keyof BaseConfigFields, message: string) =>
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
  if (config.maxContextLength > config.maxPositionEmbeddings) {
    issue('maxContextLength', `must be <= maxPositionEmbeddings (${config.maxPositionEmbeddings})`);
  }
  for (const field of ['bosTokenId', 'padTokenId'] as const) {
    const id = config[field];
    if (id !== null && id >= config.vocabSize) issue(field, `must be < vocabSize (${config.vocabSize})`);
  }
  const eos = config.eosTokenId === null ? [] : Array.isArray(config.eosTokenId) ? config.eosTokenId : [config.eosTokenId];
  if (eos.some((id) => id >= config.vocabSize)) issue('eosTokenId', `every id must be < vocabSize (${config.vocabSize})`);
  if (config.ropeScaling?.ropeType === 'llama3') {
    const { lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings } = config.ropeScaling;
    if (lowFreqFactor === undefined || highFreqFactor === undefined || originalMaxPositionEmbeddings === undefined) {
      issue('ropeScaling', 'llama3 scaling needs lowFreqFactor, highFreqFactor and originalMaxPositionEmbeddings');
    } else if (highFreqFactor <= lowFreqFactor) {
      issue('ropeScaling', 'highFreqFactor must be > lowFreqFactor');
    }
  }
}
