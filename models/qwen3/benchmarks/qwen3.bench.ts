/**
 * `pnpm bench`: graph build, cached start, prefill and decode speed, peak RSS
 * of @pio/model-qwen3 on a random checkpoint in the Qwen3-0.6B shape, for
 * float32 and int4. Writes benchmarks/results/qwen3-0.6b.json.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDecoderBenchmark } from '@pio/test-kit';
import { createQwen3Plugin } from '../src/index.js';

await runDecoderBenchmark({
  name: 'qwen3-0.6b',
  title: 'Qwen3-0.6B shape, random BF16 weights',
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createQwen3Plugin,
  arch: 'qwen3',
  // Qwen/Qwen3-0.6B config.json (head_dim 128 over hidden 1024 with 16 heads; tied embeddings).
  config: {
    hidden_size: 1024,
    intermediate_size: 3072,
    num_hidden_layers: 28,
    num_attention_heads: 16,
    num_key_value_heads: 8,
    head_dim: 128,
    vocab_size: 151936,
    tie_word_embeddings: true,
    rope_theta: 1000000,
    max_position_embeddings: 40960,
    rms_norm_eps: 1e-6,
  },
  tokenizer: 'qwen3',
  dtypes: ['float32', 'int4'],
  contexts: [64, 512, 1536],
  numThreads: 2,
});
