import type { HfDecoderConfig } from '@pio/demo';
import type { BenchCheckpointRecipe, prepareBenchCheckpoint } from './prepare-bench-checkpoint.js';

/**
 * HuggingFaceTB/SmolLM2-135M's config.json (sizes only): the shape every
 * benchmark that compares with FACTS.md or with transformers.js uses. Its
 * 49,152-id vocabulary is smaller than any tokenizer the kit ships: pair it
 * with the GPT-2 tokenizer, which `prepareBenchCheckpoint` trims to fit.
 */
export const smolLm2Config: HfDecoderConfig = {
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  vocab_size: 49152,
  tie_word_embeddings: true,
  rope_theta: 100000,
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-5,
};

/**
 * Qwen/Qwen3-30B-A3B's config.json (sizes only) with `experts` experts per
 * layer and `layers` layers: the real layer shape at a size that fits the
 * benchmark machine (16 experts keep the real active weights per token).
 */
export function qwen3MoeConfig(experts: number, layers: number): Partial<HfDecoderConfig> {
  return {
    hidden_size: 2048,
    intermediate_size: 6144,
    moe_intermediate_size: 768,
    num_hidden_layers: layers,
    num_attention_heads: 32,
    num_key_value_heads: 4,
    head_dim: 128,
    num_experts: experts,
    num_experts_per_tok: 8,
    norm_topk_prob: true,
    decoder_sparse_step: 1,
    mlp_only_layers: [],
    vocab_size: 151936,
    tie_word_embeddings: false,
    rope_theta: 1000000,
    max_position_embeddings: 40960,
    rms_norm_eps: 1e-6,
  };
}

/** A real model's shape, as a recipe for a random checkpoint of that size. */
export interface ReferenceShape {
  /** Short name used on command lines, in environment variables and in results (`llama-3.2-1b`). */
  name: string;
  /** What it stands for. */
  description: string;
  /** How {@link prepareBenchCheckpoint} writes its random checkpoint. */
  recipe: BenchCheckpointRecipe;
}

/**
 * The shapes the benchmarks run on a 2-core, 24 GB machine, as random BF16
 * checkpoints (the side-by-side with llama.cpp runs the dense ones by
 * default and the Qwen3-MoE ones when named, the server load benchmark the
 * Llama ones). Llama-3.2-1B's real config has llama3 rope
 * scaling; it is left out here (llama.cpp would need a `rope_freqs` tensor for
 * it, and it costs nothing per token), so every engine computes plain rotary.
 */
export const referenceShapes: readonly ReferenceShape[] = [
  {
    name: 'smollm2-135m',
    description: 'SmolLM2-135M (hidden 576, 30 layers, 9/3 heads, vocab 49152, tied)',
    recipe: { arch: 'llama', tokenizer: 'gpt2', config: smolLm2Config },
  },
  {
    name: 'llama-3.2-1b',
    description: 'Llama-3.2-1B (hidden 2048, 16 layers, 32/8 heads, intermediate 8192, vocab 128256, tied)',
    recipe: {
      arch: 'llama',
      tokenizer: 'llama3',
      config: {
        hidden_size: 2048,
        intermediate_size: 8192,
        num_hidden_layers: 16,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        head_dim: 64,
        vocab_size: 128256,
        tie_word_embeddings: true,
        rope_theta: 500000,
        max_position_embeddings: 131072,
        rms_norm_eps: 1e-5,
      },
    },
  },
  {
    name: 'qwen3-4b',
    description: 'Qwen3-4B (hidden 2560, 36 layers, 32/8 heads, head_dim 128, intermediate 9728, vocab 151936, tied)',
    recipe: {
      arch: 'qwen3',
      tokenizer: 'qwen3',
      config: {
        hidden_size: 2560,
        intermediate_size: 9728,
        num_hidden_layers: 36,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        head_dim: 128,
        vocab_size: 151936,
        tie_word_embeddings: true,
        rope_theta: 1000000,
        max_position_embeddings: 40960,
        rms_norm_eps: 1e-6,
      },
    },
  },
  {
    name: 'qwen3-30b-a3b-16e',
    description:
      'Qwen3-30B-A3B layer shape (hidden 2048, 48 layers, 32/4 heads of 128, experts of 768, top-8, vocab 151936, untied) with 16 experts a layer: its active weights per token, a 10 GB BF16 checkpoint',
    recipe: { arch: 'qwen3_moe', tokenizer: 'qwen3', config: qwen3MoeConfig(16, 48) },
  },
  {
    name: 'qwen3-30b-a3b-4l',
    description:
      'Qwen3-30B-A3B at its real width (128 experts, top-8) and 4 of its 48 layers: 3.1 B parameters, 6.2 GB BF16',
    recipe: { arch: 'qwen3_moe', tokenizer: 'qwen3', config: qwen3MoeConfig(128, 4) },
  },
];
