/**
 * `pnpm bench`: graph build, cached start, prefill and decode speed, peak RSS
 * of @pio/model-llama on a random checkpoint in the SmolLM2-135M shape, for
 * float32 and int4. Writes benchmarks/results/smollm2-135m.json.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDecoderBenchmark, smolLm2Config } from '@pio/test-kit';
import { createLlamaPlugin } from '../src/index.js';

await runDecoderBenchmark({
  name: 'smollm2-135m',
  title: 'SmolLM2-135M shape, random BF16 weights',
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createLlamaPlugin,
  arch: 'llama',
  // HuggingFaceTB/SmolLM2-135M config.json. Its 49,152-id vocabulary is smaller
  // than any tokenizer the kit ships: the GPT-2 one is trimmed to fit.
  config: smolLm2Config,
  tokenizer: 'gpt2',
  dtypes: ['float32', 'int4'],
  contexts: [64, 512, 1536],
  numThreads: 2,
  baseline: {
    source:
      'hand-built graphs on the same shape and machine type (shared/FACTS.md: fp32 MatMul; 4-bit block 64, level 4, fused QKV and gate/up)',
    byDtype: {
      float32: { decodeTokensPerSecond: { '64': 57, '512': 55, '1536': 47 }, prefillTokensPerSecond: 870 },
      int4: { decodeTokensPerSecond: { '64': 132, '512': 118, '1536': 85 }, prefillTokensPerSecond: 850 },
    },
  },
});
