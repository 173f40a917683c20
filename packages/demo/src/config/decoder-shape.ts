import type { Architecture } from './hf-decoder-config.js';

/** RoPE frequency scaling, read from a config and checked. */
export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositionEmbeddings: number;
    }
  | {
      type: 'yarn';
      /** The factor the frequencies use: `max_position_embeddings / original_max_position_embeddings` when the latter is given (as transformers), else `factor`. */
      factor: number;
      /** `factor` as the config writes it (latent attention's softmax correction reads it). */
      configFactor: number;
      /** The original context: `original_max_position_embeddings`, else `max_position_embeddings`. */
      originalMaxPositionEmbeddings: number;
      betaFast: number;
      betaSlow: number;
      truncate: boolean;
      attentionFactor?: number;
      mscale?: number;
      mscaleAllDim?: number;
    };

/** Everything the reference forward pass needs from a config, checked and in camelCase. */
export interface DecoderShape {
  /** Which family: Qwen2 adds biases to q/k/v (not o), Qwen3 per-head RMSNorm on queries and keys. */
  architecture: Architecture;
  /** Rows of the embedding and of the LM head. */
  vocabSize: number;
  /** Width of the residual stream. */
  hiddenSize: number;
  /** Width of the MLP's gate and up projections. */
  intermediateSize: number;
  /** Number of decoder layers. */
  numLayers: number;
  /** Number of query heads. */
  numAttentionHeads: number;
  /** Number of key/value heads; divides `numAttentionHeads`. */
  numKeyValueHeads: number;
  /** Width of one head (even). */
  headDim: number;
  /** Epsilon of every RMSNorm. */
  rmsNormEps: number;
  /** RoPE base. */
  ropeTheta: number;
  /** RoPE frequency scaling. */
  ropeScaling: RopeScaling;
  /** Whether q/k/v projections have biases (and o_proj too, unless `outputBias` is false). */
  attentionBias: boolean;
  /** Whether o_proj has a bias; `attentionBias` when absent. False for Qwen2, whose q/k/v alone have biases. */
  outputBias?: boolean;
  /** Whether gate/up/down projections have biases. */
  mlpBias: boolean;
  /** Whether the LM head is `model.embed_tokens.weight`. */
  tieWordEmbeddings: boolean;
  /** Whether queries and keys get a per-head RMSNorm before RoPE (Qwen3). */
  queryKeyNorm: boolean;
  /** The mixture of experts of sparse layers (Qwen3-MoE, GLM-4.7-Flash); absent for dense models. */
  experts?: ExpertsShape;
  /**
   * Multi-head latent attention (GLM-4.7-Flash, DeepSeek-V3): when present it
   * replaces q/k/v_proj; `headDim` is then `qkRopeHeadDim` and the cache holds
   * one `kvLoraRank + qkRopeHeadDim` row per token.
   */
  latentAttention?: LatentAttentionShape;
  /** Multi-token-prediction layers stored after the last layer (`num_nextn_predict_layers`); never run. */
  nextTokenLayers?: number;
}

/** The latent attention part of a GLM-4.7-Flash config, checked. */
export interface LatentAttentionShape {
  /** Rank of `q_a_proj`, or null when `q_proj` maps hidden to queries directly. */
  qLoraRank: number | null;
  /** Width of the cached latent. */
  kvLoraRank: number;
  /** Non-rotary dims per query/key head. */
  qkNopeHeadDim: number;
  /** Rotary dims per query head and of the shared key. */
  qkRopeHeadDim: number;
  /** Width of a value head. */
  vHeadDim: number;
  /** Rotary dims come in interleaved pairs. */
  ropeInterleave: boolean;
}

/** The mixture-of-experts part of a Qwen3-MoE or GLM-4.7-Flash config, checked. */
export interface ExpertsShape {
  /**
   * `softmax` (Qwen3-MoE) or `sigmoid` (GLM-4.7-Flash: top-k of sigmoid + `e_score_correction_bias`,
   * weights the sigmoid at the chosen experts, × `routedScalingFactor`). Default softmax.
   */
  router?: 'softmax' | 'sigmoid';
  /** Routing weights are multiplied by this (sigmoid router). */
  routedScalingFactor?: number;
  /**
   * Group-limited routing of the sigmoid router (DeepSeek-V3's `n_group` /
   * `topk_group`): experts split into `groups` equal groups, each scored by
   * the sum of its two best choices, and only the `topkGroup` best groups
   * may be chosen. Absent: one group.
   */
  grouping?: { groups: number; topkGroup: number };
  /** Width of the shared expert added without a gate (`n_shared_experts × moe_intermediate_size`), 0 for none. */
  sharedExpertWidth?: number;
  /** Experts per sparse layer (`num_experts`). */
  numExperts: number;
  /** Experts per token (`num_experts_per_tok`). */
  topK: number;
  /** Width of one expert (`moe_intermediate_size`). */
  expertWidth: number;
  /** Divide the chosen routing weights by their sum (`norm_topk_prob`). */
  normalizeTopK: boolean;
  /** Per layer: true when it is sparse (from `decoder_sparse_step` and `mlp_only_layers`). */
  sparseLayers: readonly boolean[];
}
