import { ConfigError, type ConfigIssue } from '@pio/core';
import type { DecoderShape, ExpertsShape, LatentAttentionShape, RopeScaling } from './decoder-shape.js';
import type { Architecture, HfDecoderConfig, HfRopeScaling } from './hf-decoder-config.js';

/**
 * Reads a Hugging Face `config.json` the way `LlamaConfig` / `Qwen3Config`
 * do: absent fields take their defaults (`head_dim` is hidden/heads for Llama
 * and Qwen2 and 128 for Qwen3, as in transformers), then everything is
 * checked at once. Qwen2 gets biases on q/k/v and none on o_proj whatever
 * `attention_bias` says (`Qwen2Attention` builds them so; its config has no
 * such key).
 *
 * @param architecture - `llama`, `qwen2`, `qwen3`, `qwen3_moe` or `glm4_moe_lite`.
 * @param config - The parsed `config.json`.
 * @returns The checked shape, in camelCase.
 * @throws ConfigError listing every field that is missing, out of range or
 *   unsupported (activation other than silu, RoPE type other than
 *   default/linear/llama3, Qwen2/Qwen3 sliding windows).
 */
export function resolveDecoderShape(architecture: Architecture, config: HfDecoderConfig): DecoderShape {
  const issues: ConfigIssue[] = [];
  const positiveInteger = (field: string, value: unknown): number => {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
    issues.push({ field, value, rule: 'must be a positive integer' });
    return 1;
  };
  const positiveNumber = (field: string, value: unknown): number => {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
    issues.push({ field, value, rule: 'must be a positive number' });
    return 1;
  };

  if (
    architecture !== 'llama' &&
    architecture !== 'qwen2' &&
    architecture !== 'qwen3' &&
    architecture !== 'qwen3_moe' &&
    architecture !== 'glm4_moe_lite'
  ) {
    issues.push({
      field: 'architecture',
      value: architecture,
      rule: 'must be "llama", "qwen2", "qwen3", "qwen3_moe" or "glm4_moe_lite"',
    });
  }
  const glm = architecture === 'glm4_moe_lite';
  const qwen = architecture === 'qwen3' || architecture === 'qwen3_moe';
  const qwen2 = architecture === 'qwen2';
  const vocabSize = positiveInteger('vocabSize', config.vocab_size);
  const hiddenSize = positiveInteger('hiddenSize', config.hidden_size);
  const intermediateSize = positiveInteger('intermediateSize', config.intermediate_size);
  const numLayers = positiveInteger('numHiddenLayers', config.num_hidden_layers);
  const numAttentionHeads = positiveInteger('numAttentionHeads', config.num_attention_heads);
  const numKeyValueHeads = positiveInteger('numKeyValueHeads', config.num_key_value_heads ?? numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    issues.push({
      field: 'numKeyValueHeads',
      value: numKeyValueHeads,
      rule: `must divide numAttentionHeads (${numAttentionHeads})`,
    });
  }
  const defaultHeadDim = qwen ? 128 : Math.floor(hiddenSize / numAttentionHeads);
  // GLM-4.7-Flash's head_dim is its rotary width (transformers maps head_dim to qk_rope_head_dim).
  const headDim = positiveInteger('headDim', glm ? config.qk_rope_head_dim : (config.head_dim ?? defaultHeadDim));
  if (headDim % 2 !== 0) issues.push({ field: 'headDim', value: headDim, rule: 'must be even (RoPE rotates pairs)' });
  const rmsNormEps = positiveNumber('rmsNormEps', config.rms_norm_eps ?? 1e-6);

  const hiddenAct = config.hidden_act ?? 'silu';
  if (hiddenAct !== 'silu') issues.push({ field: 'hiddenAct', value: hiddenAct, rule: 'only "silu" is supported' });
  if ((qwen || qwen2) && config.use_sliding_window === true) {
    issues.push({
      field: 'useSlidingWindow',
      value: true,
      rule: 'sliding-window attention is not supported; set use_sliding_window to false',
    });
  }

  // transformers 5 folds rope_theta and rope_scaling into rope_parameters.
  const ropeSource: HfRopeScaling | null | undefined = config.rope_parameters ?? config.rope_scaling;
  const ropeTheta = positiveNumber('ropeTheta', config.rope_parameters?.rope_theta ?? config.rope_theta ?? 10000);
  const ropeScaling = readRopeScaling(ropeSource, issues, config.max_position_embeddings);

  const flag = (field: string, value: unknown): boolean => {
    if (value === undefined || value === null) return false;
    if (typeof value === 'boolean') return value;
    issues.push({ field, value, rule: 'must be true or false' });
    return false;
  };
  const read: FieldReader = { issues, positiveInteger, flag };
  const shape: DecoderShape = {
    architecture,
    vocabSize,
    hiddenSize,
    intermediateSize,
    numLayers,
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    rmsNormEps,
    ropeTheta,
    ropeScaling,
    attentionBias: qwen2 || flag('attentionBias', config.attention_bias),
    mlpBias: architecture === 'llama' && flag('mlpBias', config.mlp_bias),
    tieWordEmbeddings: flag('tieWordEmbeddings', config.tie_word_embeddings),
    queryKeyNorm: qwen,
  };
  if (qwen2) shape.outputBias = false;
  if (architecture === 'qwen3_moe') shape.experts = readExperts(config, numLayers, read);
  if (glm) {
    shape.latentAttention = readLatentAttention(config, read);
    shape.experts = readSigmoidExperts(config, numLayers, read);
    shape.nextTokenLayers = config.num_nextn_predict_layers ?? 0;
  }
  if (issues.length > 0) {
    throw new ConfigError({ configName: configNameOf(architecture), issues });
  }
  return shape;
}

/** The config class a user would know for an architecture. */
export function configNameOf(architecture: Architecture): string {
  const names: Record<Architecture, string> = {
    llama: 'LlamaConfig',
    // PIO reads Qwen2 with the Llama plugin's config class.
    qwen2: 'LlamaConfig',
    qwen3: 'Qwen3Config',
    qwen3_moe: 'Qwen3MoeConfig',
    glm4_moe_lite: 'Glm4MoeLiteConfig',
  };
  return names[architecture] ?? 'LlamaConfig';
}

/** The checks of {@link resolveDecoderShape}, shared with the readers of its optional parts: each failed check adds to `issues`. */
interface FieldReader {
  issues: ConfigIssue[];
  positiveInteger(field: string, value: unknown): number;
  flag(field: string, value: unknown): boolean;
}

/** GLM-4.7-Flash's latent attention fields, checked. */
function readLatentAttention(config: HfDecoderConfig, { issues, positiveInteger }: FieldReader): LatentAttentionShape {
  const qLoraRank = config.q_lora_rank === null ? null : positiveInteger('qLoraRank', config.q_lora_rank);
  const qkRopeHeadDim = positiveInteger('qkRopeHeadDim', config.qk_rope_head_dim);
  if (qkRopeHeadDim % 2 !== 0) {
    issues.push({ field: 'qkRopeHeadDim', value: qkRopeHeadDim, rule: 'must be even (RoPE rotates pairs)' });
  }
  return {
    qLoraRank,
    kvLoraRank: positiveInteger('kvLoraRank', config.kv_lora_rank),
    qkNopeHeadDim: positiveInteger('qkNopeHeadDim', config.qk_nope_head_dim),
    qkRopeHeadDim,
    vHeadDim: positiveInteger('vHeadDim', config.v_head_dim),
    ropeInterleave: config.rope_interleave ?? true,
  };
}

/** GLM-4.7-Flash's expert fields, checked: layers before `first_k_dense_replace` (or `dense` in `mlp_layer_types`) are dense. */
function readSigmoidExperts(config: HfDecoderConfig, numLayers: number, read: FieldReader): ExpertsShape {
  const { issues, flag } = read;
  const { numExperts, topK, expertWidth } = readExpertSizes(config, 'numRoutedExperts', config.n_routed_experts, read);
  const groups = positiveIntegerOr(read, 'nGroup', config.n_group, 1);
  const topkGroup = positiveIntegerOr(read, 'topkGroup', config.topk_group, 1);
  if (numExperts % groups !== 0 || numExperts / groups < 2) {
    issues.push({
      field: 'nGroup',
      value: groups,
      rule: `must divide numRoutedExperts (${numExperts}) into groups of at least 2`,
    });
  } else if (topkGroup > groups) {
    issues.push({ field: 'topkGroup', value: topkGroup, rule: `must be at most nGroup (${groups})` });
  }
  if ((config.topk_method ?? 'noaux_tc') !== 'noaux_tc') {
    issues.push({ field: 'topkMethod', value: config.topk_method, rule: 'must be "noaux_tc"' });
  }
  const firstDense = config.first_k_dense_replace ?? 1;
  const types = config.mlp_layer_types;
  const sparseLayers = Array.from({ length: numLayers }, (_, layer) =>
    Array.isArray(types) ? types[layer] === 'sparse' : layer >= firstDense,
  );
  const shared = config.n_shared_experts ?? 1;
  return {
    numExperts,
    topK,
    expertWidth,
    normalizeTopK: config.norm_topk_prob === undefined ? true : flag('normTopkProb', config.norm_topk_prob),
    sparseLayers,
    router: 'sigmoid',
    routedScalingFactor: config.routed_scaling_factor ?? 1,
    sharedExpertWidth: shared * expertWidth,
    ...(groups > 1 ? { grouping: { groups, topkGroup } } : {}),
  };
}

function positiveIntegerOr(read: FieldReader, field: string, value: unknown, fallback: number): number {
  return value === undefined || value === null ? fallback : read.positiveInteger(field, value);
}

/** Qwen3-MoE's expert fields, checked; a layer is sparse unless in `mlp_only_layers` and when `(layer + 1) % decoder_sparse_step === 0`. */
function readExperts(config: HfDecoderConfig, numLayers: number, read: FieldReader): ExpertsShape {
  const { issues, positiveInteger, flag } = read;
  const { numExperts, topK, expertWidth } = readExpertSizes(config, 'numExperts', config.num_experts, read);
  const step = positiveInteger('decoderSparseStep', config.decoder_sparse_step ?? 1);
  const mlpOnly = config.mlp_only_layers ?? [];
  if (!Array.isArray(mlpOnly) || mlpOnly.some((layer) => !Number.isInteger(layer) || layer < 0 || layer >= numLayers)) {
    issues.push({ field: 'mlpOnlyLayers', value: mlpOnly, rule: `must list layer indices in [0, ${numLayers})` });
  }
  const dense = new Set(Array.isArray(mlpOnly) ? mlpOnly : []);
  const sparseLayers = Array.from({ length: numLayers }, (_, layer) => !dense.has(layer) && (layer + 1) % step === 0);
  return { numExperts, topK, expertWidth, normalizeTopK: flag('normTopkProb', config.norm_topk_prob), sparseLayers };
}

/**
 * The sizes every mixture of experts has, checked: the expert count (named
 * `countField`, as the model's config class calls it), the experts per token
 * (at most the count) and one expert's intermediate width.
 */
function readExpertSizes(
  config: HfDecoderConfig,
  countField: string,
  count: unknown,
  { issues, positiveInteger }: FieldReader,
): Pick<ExpertsShape, 'numExperts' | 'topK' | 'expertWidth'> {
  const numExperts = positiveInteger(countField, count);
  const topK = positiveInteger('numExpertsPerTok', config.num_experts_per_tok);
  if (topK > numExperts) {
    issues.push({ field: 'numExpertsPerTok', value: topK, rule: `must be at most ${countField} (${numExperts})` });
  }
  const expertWidth = positiveInteger('moeIntermediateSize', config.moe_intermediate_size);
  return { numExperts, topK, expertWidth };
}

function readRopeScaling(
  source: HfRopeScaling | null | undefined,
  issues: ConfigIssue[],
  maxPositionEmbeddings: number | undefined,
): RopeScaling {
  if (source === undefined || source === null) return { type: 'default' };
  const type = source.rope_type ?? source.type ?? 'default';
  const number = (field: string, value: unknown): number => {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
    issues.push({ field: `ropeScaling.${field}`, value, rule: 'must be a positive number' });
    return 1;
  };
  switch (type) {
    case 'default':
      return { type: 'default' };
    case 'linear':
      return { type: 'linear', factor: number('factor', source.factor) };
    case 'llama3': {
      const scaling: RopeScaling = {
        type: 'llama3',
        factor: number('factor', source.factor),
        lowFreqFactor: number('lowFreqFactor', source.low_freq_factor),
        highFreqFactor: number('highFreqFactor', source.high_freq_factor),
        originalMaxPositionEmbeddings: number('originalMaxPositionEmbeddings', source.original_max_position_embeddings),
      };
      if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
        issues.push({
          field: 'ropeScaling.highFreqFactor',
          value: scaling.highFreqFactor,
          rule: `must be greater than lowFreqFactor (${scaling.lowFreqFactor})`,
        });
      }
      return scaling;
    }
    case 'yarn': {
      const optional = (field: string, value: unknown) =>
        value === undefined || value === null ? undefined : number(field, value);
      const configFactor = number('factor', source.factor);
      const original = optional('originalMaxPositionEmbeddings', source.original_max_position_embeddings);
      const context = optional('maxPositionEmbeddings', maxPositionEmbeddings);
      if (context === undefined) {
        issues.push({
          field: 'maxPositionEmbeddings',
          value: undefined,
          rule: 'yarn scaling needs max_position_embeddings',
        });
      }
      const scaling: RopeScaling = {
        type: 'yarn',
        factor: original !== undefined && context !== undefined ? context / original : configFactor,
        configFactor,
        originalMaxPositionEmbeddings: original ?? context ?? 1,
        betaFast: optional('betaFast', source.beta_fast) ?? 32,
        betaSlow: optional('betaSlow', source.beta_slow) ?? 1,
        truncate: source.truncate ?? true,
      };
      const attentionFactor = optional('attentionFactor', source.attention_factor);
      if (attentionFactor !== undefined) scaling.attentionFactor = attentionFactor;
      // 0 is how DeepSeek configs write "no correction": keep it, it switches the ratio off.
      if (typeof source.mscale === 'number') scaling.mscale = source.mscale;
      if (typeof source.mscale_all_dim === 'number') scaling.mscaleAllDim = source.mscale_all_dim;
      if (scaling.betaFast <= scaling.betaSlow) {
        issues.push({
          field: 'ropeScaling.betaFast',
          value: scaling.betaFast,
          rule: `must be greater than betaSlow (${scaling.betaSlow})`,
        });
      }
      return scaling;
    }
    default:
      issues.push({
        field: 'ropeScaling.ropeType',
        value: type,
        rule: 'must be "default", "linear", "llama3" or "yarn"',
      });
      return { type: 'default' };
  }
}
