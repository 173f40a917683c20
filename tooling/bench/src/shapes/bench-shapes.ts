import { type BenchCheckpointRecipe, smolLm2Config } from '@pio/test-kit';

/** A named model shape for the side-by-side benchmark. */
export interface BenchShape {
  /** Short name used on the command line and in results. */
  name: string;
  /** What it stands for. */
  description: string;
  /** How the test kit writes its random checkpoint. */
  recipe: BenchCheckpointRecipe;
  /** Whether an F32 GGUF is written too, to check both engines' greedy tokens agree (small shapes only: F32 of 4 B is 16 GB). */
  checkF32: boolean;
}

/**
 * The shapes people run on a 2-core, 24 GB machine, as random BF16 checkpoints.
 * Llama-3.2-1B's real config has llama3 rope scaling; it is left out here
 * (llama.cpp would need a `rope_freqs` tensor for it, and it costs nothing
 * per token), so both engines compute plain rotary.
 */
export const benchShapes: readonly BenchShape[] = [
  {
    name: 'smollm2-135m',
    description: 'SmolLM2-135M (hidden 576, 30 layers, 9/3 heads, vocab 49152, tied)',
    recipe: { arch: 'llama', tokenizer: 'gpt2', config: smolLm2Config },
    checkF32: true,
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
    checkF32: false,
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
    checkF32: false,
  },
];
