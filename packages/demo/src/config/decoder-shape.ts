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
    };

/** Everything the reference forward pass needs from a config, checked and in camelCase. */
export interface DecoderShape {
  /** Which family: Qwen3 adds per-head RMSNorm on queries and keys. */
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
  /** Whether q/k/v/o projections have biases. */
  attentionBias: boolean;
  /** Whether gate/up/down projections have biases. */
  mlpBias: boolean;
  /** Whether the LM head is `model.embed_tokens.weight`. */
  tieWordEmbeddings: boolean;
  /** Whether queries and keys get a per-head RMSNorm before RoPE (Qwen3). */
  queryKeyNorm: boolean;
  /** The mixture of experts of sparse layers (Qwen3-MoE); absent for dense models. */
  experts?: ExpertsShape;
}

/** The mixture-of-experts part of a Qwen3-MoE config, checked. */
export interface ExpertsShape {
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
