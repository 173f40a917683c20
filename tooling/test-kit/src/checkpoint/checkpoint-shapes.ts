import type { RandomCheckpointOptions } from './write-random-checkpoint.js';

/** A named checkpoint recipe: {@link RandomCheckpointOptions} without the seed, plus what it is for. */
export interface CheckpointShape extends Omit<RandomCheckpointOptions, 'seed'> {
  /** What the shape exercises, for test names. */
  description: string;
}

// A small original context, so that kept, blended and divided frequencies all show in a short test.
const yarnRopeScaling = {
  rope_type: 'yarn',
  factor: 8.0,
  original_max_position_embeddings: 32,
  beta_fast: 32,
  beta_slow: 1,
};

const llama3RopeScaling = {
  rope_type: 'llama3',
  factor: 8.0,
  low_freq_factor: 1.0,
  high_freq_factor: 4.0,
  // Small on purpose: with 64, the scaled, blended and kept frequency bands all
  // show within the first few dozen positions a test runs.
  original_max_position_embeddings: 64,
};

const shapes = {
  'llama-kv1': {
    description: 'Llama, multi-head attention (4 query, 4 key/value heads), GPT-2 tokenizer',
    arch: 'llama',
    tokenizer: 'gpt2',
    config: { num_attention_heads: 4, num_key_value_heads: 4 },
  },
  'llama-kv2': {
    description: 'Llama, grouped-query attention 4:2, untied, Llama 3 tokenizer',
    arch: 'llama',
    tokenizer: 'llama3',
    config: { num_attention_heads: 4, num_key_value_heads: 2 },
  },
  'llama-kv4': {
    description: 'Llama, grouped-query attention 4:1, GPT-2 tokenizer',
    arch: 'llama',
    tokenizer: 'gpt2',
    config: { num_attention_heads: 4, num_key_value_heads: 1 },
  },
  'llama-tied': {
    description: 'Llama with tied embeddings (as Llama 3.2 1B), Llama 3 tokenizer',
    arch: 'llama',
    tokenizer: 'llama3',
    config: { tie_word_embeddings: true },
  },
  'llama-head-dim': {
    description: 'Llama with head_dim 32 while hidden/heads is 16',
    arch: 'llama',
    tokenizer: 'gpt2',
    config: { num_attention_heads: 4, num_key_value_heads: 2, head_dim: 32 },
  },
  'llama-rope-llama3': {
    description: 'Llama with llama3 RoPE scaling (factor 8, low 1, high 4, original 64)',
    arch: 'llama',
    tokenizer: 'llama3',
    config: { rope_theta: 10000.0, rope_scaling: llama3RopeScaling },
  },
  'llama-rope-linear': {
    description: 'Llama with linear RoPE scaling (factor 4)',
    arch: 'llama',
    tokenizer: 'gpt2',
    config: { rope_scaling: { rope_type: 'linear', factor: 4.0 } },
  },
  'llama-bias': {
    description: 'Llama with attention and MLP biases',
    arch: 'llama',
    tokenizer: 'gpt2',
    config: { attention_bias: true, mlp_bias: true },
  },
  'llama-bf16': {
    description: 'Llama stored as BF16',
    arch: 'llama',
    tokenizer: 'llama3',
    dtype: 'bfloat16',
  },
  'llama-sharded': {
    description: 'Llama in 3 safetensors shards with an index',
    arch: 'llama',
    tokenizer: 'llama3',
    shards: 3,
  },
  'llama-peaky': {
    description: 'Llama, untied, peaky: greedy decoding walks a fixed token chain with wide margins',
    arch: 'llama',
    tokenizer: 'llama3',
    peaky: 6,
  },
  // Qwen2 runs in @pio/model-llama: the Llama decoder with biases on q/k/v (not o_proj), rope base 1e6.
  'qwen2-kv2': {
    description: 'Qwen2, grouped-query attention 4:2, tied, q/k/v biases (as Qwen2.5-0.5B), Qwen tokenizer',
    arch: 'qwen2',
    tokenizer: 'qwen3',
    config: { num_attention_heads: 4, num_key_value_heads: 2 },
  },
  'qwen2-untied-kv4': {
    description: 'Qwen2, grouped-query attention 4:1, untied (as Qwen2.5-7B), GPT-2 tokenizer',
    arch: 'qwen2',
    tokenizer: 'gpt2',
    config: { num_attention_heads: 4, num_key_value_heads: 1, tie_word_embeddings: false },
  },
  'qwen3-kv1': {
    description: 'Qwen3, multi-head attention (4 query, 4 key/value heads)',
    arch: 'qwen3',
    tokenizer: 'qwen3',
    config: { num_attention_heads: 4, num_key_value_heads: 4 },
  },
  'qwen3-kv2': {
    description: 'Qwen3, grouped-query attention 4:2, tied (as Qwen3-0.6B)',
    arch: 'qwen3',
    tokenizer: 'qwen3',
    config: { num_attention_heads: 4, num_key_value_heads: 2 },
  },
  'qwen3-kv4': {
    description: 'Qwen3, grouped-query attention 4:1',
    arch: 'qwen3',
    tokenizer: 'qwen3',
    config: { num_attention_heads: 4, num_key_value_heads: 1 },
  },
  'qwen3-untied': {
    description: 'Qwen3 with an untied LM head, GPT-2 tokenizer',
    arch: 'qwen3',
    tokenizer: 'gpt2',
    config: { tie_word_embeddings: false },
  },
  'qwen3-head-dim': {
    description: 'Qwen3 with head_dim 32 while hidden/heads is 16 (as Qwen3 itself: 16 x 128 over 1024)',
    arch: 'qwen3',
    tokenizer: 'qwen3',
    config: { num_attention_heads: 4, num_key_value_heads: 2, head_dim: 32 },
  },
  'qwen3-rope-llama3': {
    description: 'Qwen3 with llama3 RoPE scaling',
    arch: 'qwen3',
    tokenizer: 'qwen3',
    config: { rope_scaling: llama3RopeScaling },
  },
  'qwen3-rope-yarn': {
    description: 'Qwen3 with yarn RoPE scaling (factor 8 over an original context of 32) and the GPT-2 tokenizer',
    arch: 'qwen3',
    tokenizer: 'gpt2',
    config: { rope_scaling: yarnRopeScaling, max_position_embeddings: 256 },
  },
  'qwen3-bf16': {
    description: 'Qwen3 stored as BF16',
    arch: 'qwen3',
    tokenizer: 'qwen3',
    dtype: 'bfloat16',
  },
  'qwen3-sharded': {
    description: 'Qwen3 in 3 safetensors shards with an index',
    arch: 'qwen3',
    tokenizer: 'qwen3',
    shards: 3,
  },
  'qwen3-peaky': {
    description: 'Qwen3, tied, peaky: greedy decoding repeats the current token with wide margins',
    arch: 'qwen3',
    tokenizer: 'qwen3',
    peaky: 6,
  },
  // Qwen3-MoE: 3 layers, 8 experts of width 48 (the dense width is 128), top-2, untied head.
  'qwen3-moe-norm': {
    description: 'Qwen3-MoE, 8 experts top-2, norm_topk_prob, layer 1 dense (mlp_only_layers)',
    arch: 'qwen3_moe',
    tokenizer: 'gpt2',
    config: { num_hidden_layers: 3, mlp_only_layers: [1], norm_topk_prob: true },
  },
  'qwen3-moe-unnorm': {
    description: 'Qwen3-MoE, 8 experts top-3, routing weights not renormalized (norm_topk_prob false)',
    arch: 'qwen3_moe',
    tokenizer: 'gpt2',
    config: { num_hidden_layers: 3, num_experts_per_tok: 3, norm_topk_prob: false },
  },
  'qwen3-moe-step2': {
    description: 'Qwen3-MoE, decoder_sparse_step 2 (layers 1 and 3 sparse), 4 K/V heads of 8 query heads',
    arch: 'qwen3_moe',
    tokenizer: 'gpt2',
    config: {
      num_hidden_layers: 4,
      decoder_sparse_step: 2,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      head_dim: 16,
    },
  },
  'qwen3-moe-peaky': {
    description: 'Qwen3-MoE, peaky: clear-cut greedy choices for quantization checks',
    arch: 'qwen3_moe',
    tokenizer: 'gpt2',
    config: { num_hidden_layers: 3, mlp_only_layers: [1] },
    peaky: 6,
  },
  'qwen3-moe-all-sparse': {
    description:
      'Qwen3-MoE as llama.cpp’s qwen3moe runs it: every layer sparse, 8 experts of width 32 (whole Q4_0/Q8_0 blocks), top-2, norm_topk_prob, 4:2 heads',
    arch: 'qwen3_moe',
    tokenizer: 'gpt2',
    config: { num_hidden_layers: 3, moe_intermediate_size: 32, num_attention_heads: 4, num_key_value_heads: 2 },
  },
  'glm-q-lora': {
    description:
      'GLM-4.7-Flash: latent attention (q_lora_rank 32, kv_lora_rank 32, nope 16, rope 16 interleaved, v 24), layer 0 dense, 8 sigmoid-routed experts + 1 shared, top-2, scaling 1.8, decoy MTP layer 3',
    arch: 'glm4_moe_lite',
    tokenizer: 'gpt2',
    config: {},
  },
  'glm-q-direct': {
    description:
      'GLM-4.7-Flash with q_lora_rank null (a direct q_proj), rotate-half RoPE (rope_interleave false), 2 dense layers',
    arch: 'glm4_moe_lite',
    tokenizer: 'gpt2',
    config: { q_lora_rank: null, rope_interleave: false, first_k_dense_replace: 2, num_hidden_layers: 3 },
  },
  'glm-rope-yarn': {
    description:
      'GLM-4.7-Flash with DeepSeek-V3-style yarn: factor 8, mscale 0.8 and mscale_all_dim 1 (cos/sin scaled by their ratio, the softmax by m(8, 1)²)',
    arch: 'glm4_moe_lite',
    tokenizer: 'gpt2',
    config: { rope_scaling: { ...yarnRopeScaling, mscale: 0.8, mscale_all_dim: 1.0 }, max_position_embeddings: 256 },
  },
  'glm-grouped': {
    description:
      'GLM-4.7-Flash with DeepSeek-V3-style group-limited routing: 8 experts in 4 groups (n_group), the 2 best groups open (topk_group), top-2',
    arch: 'glm4_moe_lite',
    tokenizer: 'gpt2',
    config: { n_group: 4, topk_group: 2 },
  },
  'glm-peaky': {
    description: 'GLM-4.7-Flash, peaky: clear-cut greedy choices for quantization checks',
    arch: 'glm4_moe_lite',
    tokenizer: 'gpt2',
    config: {},
    peaky: 6,
  },
} satisfies Record<string, CheckpointShape>;

/** The name of one of {@link checkpointShapes}. */
export type CheckpointShapeName = keyof typeof shapes;

/**
 * The checkpoint shapes the inference tests run, for Llama and Qwen3 (Qwen2,
 * Qwen3-MoE and GLM-4.7-Flash have a few of their own): every
 * key/value head ratio (1, 2, 4), tied and untied embeddings, `head_dim`
 * different from hidden/heads, `llama3`, `linear` and `yarn` RoPE scaling, biases,
 * BF16, sharded, and peaky (clear-cut greedy choices). All have hidden size 64
 * and 2 layers; the vocabulary is the tokenizer's, so the embedding dominates
 * the file size (the GPT-2 tokenizer keeps the smallest ones small).
 */
export const checkpointShapes: Readonly<Record<CheckpointShapeName, CheckpointShape>> = shapes;
