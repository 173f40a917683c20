/**
 * `pnpm bench:generate-overhead`: is a token of `generate()` slower than a
 * bare `forward()` step after the same prefill? Alternates the two (so load
 * from other processes hits both alike) on the SmolLM2-135M shape and prints
 * per-step times. Writes benchmarks/results/generate-overhead.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dtype } from '@pio/core';
import {
  createPlugin,
  extraCacheDir,
  median,
  packageDir,
  promptIds,
  runtime,
  smolLm2Checkpoint,
} from './smollm2-setup.js';

const dtype = (process.argv[2] ?? 'float32') as Dtype;
const prompt = 512;
const steps = 48;
const rounds = 4;

const { dir, regularTokens } = await smolLm2Checkpoint();
const plugin = await createPlugin();
await plugin.initialize({ checkpoint: dir, cacheDir: extraCacheDir(dtype), runtime: runtime(dtype) });

async function bareSteps(variant: number): Promise<number[]> {
  const logits = await plugin.forward(promptIds(prompt, regularTokens, variant), { reset: true });
  let next = argmax(logits);
  const times: number[] = [];
  for (let step = 0; step < steps; step++) {
    const started = performance.now();
    next = argmax(await plugin.forward([next]));
    times.push(performance.now() - started);
  }
  return times;
}

async function generateSteps(variant: number): Promise<number[]> {
  await plugin.forward([1], { reset: true });
  const times: number[] = [];
  let last = 0;
  for await (const delta of plugin.generate(
    { inputIds: promptIds(prompt, regularTokens, variant) },
    { maxNewTokens: steps + 1 },
  )) {
    const now = performance.now();
    if (delta.type === 'token' && last > 0) times.push(now - last);
    last = now;
  }
  return times;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

const bare: number[][] = [];
const generated: number[][] = [];
for (let round = 0; round < rounds; round++) {
  bare.push(await bareSteps(round));
  generated.push(await generateSteps(round + 100));
  const b = median(bare.at(-1)!);
  const g = median(generated.at(-1)!);
  process.stderr.write(
    `round ${round}: forward ${b.toFixed(2)} ms/step, generate ${g.toFixed(2)} ms/token (${((g / b - 1) * 100).toFixed(1)}%)\n`,
  );
}
// Per position after the prefill: where does a difference sit?
const byStep = (runs: number[][]) =>
  Array.from({ length: steps }, (_, i) => median(runs.map((run) => run[i] ?? Number.NaN)));
const result = {
  date: new Date().toISOString(),
  dtype,
  prompt,
  steps,
  forwardMedianMs: median(bare.flat()),
  generateMedianMs: median(generated.flat()),
  forwardFirst8Ms: byStep(bare).slice(0, 8),
  generateFirst8Ms: byStep(generated).slice(0, 8),
};
await plugin.cleanup();
const resultsDir = join(packageDir, 'benchmarks', 'results');
await mkdir(resultsDir, { recursive: true });
await writeFile(join(resultsDir, `generate-overhead-${dtype}.json`), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
