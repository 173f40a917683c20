// `pnpm --filter @pio/model-__name__ bench`: times __Pascal__Config.fromHuggingFace
// on a config.json (a quick check that runs anywhere) and writes
// benchmarks/results/__name__.json. To time what users feel (graph build,
// cached start, prefill and decode tokens/s at a few context lengths, peak RSS)
// on a random checkpoint in the shape of the real model, add a benchmark with
// `runDecoderBenchmark` of `@pio/test-kit`, as models/llama/benchmarks/llama.bench.ts does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { __Pascal__Config } from '../src/index.js';

const iterations = Number(process.env.PIO_BENCH_ITERATIONS ?? 2000);
const configJson = {
  model_type: __modelTypeLiteral__,
  architectures: [__architectureLiteral__],
  hidden_size: 2048,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  num_hidden_layers: 24,
  intermediate_size: 8192,
  vocab_size: 128256,
  max_position_embeddings: 8192,
  rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
};

// Warm-up, so the timings measure compiled code.
for (let i = 0; i < 200; i++) __Pascal__Config.fromHuggingFace(configJson);
const samples: number[] = [];
for (let i = 0; i < iterations; i++) {
  const started = performance.now();
  __Pascal__Config.fromHuggingFace(configJson);
  samples.push(performance.now() - started);
}
samples.sort((a, b) => a - b);
const microseconds = (ms: number) => Math.round(ms * 10_000) / 10;
const result = {
  benchmark: 'config-parse',
  package: '@pio/model-__name__',
  iterations,
  medianUs: microseconds(samples[Math.floor(samples.length / 2)]!),
  p95Us: microseconds(samples[Math.floor(samples.length * 0.95)]!),
  node: process.version,
  date: new Date().toISOString(),
};
const file = join(dirname(fileURLToPath(import.meta.url)), 'results', '__name__.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`config parse: median ${result.medianUs} µs, p95 ${result.p95Us} µs over ${iterations} runs -> ${file}`);
