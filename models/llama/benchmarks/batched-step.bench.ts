/**
 * `pnpm --filter @pio/model-llama bench:batched-step [-- int4|float32] [--contexts 64,512] [--batches 1,2,4,8,16,32]`:
 * what one batched decode step costs against a lone sequence's step. On the
 * SmolLM2-135M shape (the engine's own build, batched I/O included), for each
 * context c and batch size B, B slots are filled with a c-token prompt and
 * timed over blocks of batched steps (`DecoderRunner.forwardBatch`); B = 1 is
 * also timed on the one-sequence path (`forward`). Prints ms/step and the
 * aggregate tok/s; the speedup is B·step(1 alone) ÷ step(B). Writes
 * benchmarks/results/batched-step.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dtype } from '@pio/core';
import { DecoderRunner, SlotKvPool } from '@pio/engine';
import {
  createPlugin,
  extraCacheDir,
  median,
  newestBuild,
  packageDir,
  promptIds,
  runtime,
  smolLm2Checkpoint,
} from './smollm2-setup.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1]! : fallback;
}

const dtype = (process.argv.slice(2).find((a) => a === 'int4' || a === 'float32') ?? 'int4') as Dtype;
const contexts = option('contexts', '64,512').split(',').map(Number);
const batches = option('batches', '1,2,4,8,16,32').split(',').map(Number);
const steps = Number(option('steps', '8'));
const rounds = Number(option('rounds', '2'));
// SmolLM2-135M: 30 layers, 3 KV heads of 64.
const shape = { numLayers: 30, rowSize: 192, vocabSize: 49152, maxLength: 2048, numKeyValueHeads: 3, headDim: 64 };

const { dir, regularTokens } = await smolLm2Checkpoint();
const cacheDir = extraCacheDir(dtype);
const plugin = await createPlugin();
await plugin.initialize({ checkpoint: dir, cacheDir, runtime: runtime(dtype) });
await plugin.cleanup();
const build = await newestBuild(cacheDir, 'decoder.onnx');
const runner = await DecoderRunner.create({ decode: join(build, 'decoder.onnx') }, shape, { numThreads: 2 });
if (!runner.batchable) throw new Error('the build has no batched inputs');

const times: Record<string, number[]> = {};
const record = (key: string, ms: number) => {
  times[key] ??= [];
  times[key].push(ms);
};
const loads: number[] = [];
for (let round = 0; round < rounds; round++) {
  loads.push(loadavg()[0]!);
  for (const context of contexts) {
    const prompt = promptIds(context, regularTokens, round);
    runner.reset();
    await runner.forward(prompt);
    for (let step = 0; step < steps + 2; step++) {
      const started = performance.now();
      await runner.forward([(step * 31 + 7) % regularTokens]);
      if (step >= 2) record(`${context}:alone`, performance.now() - started);
    }
    const order = round % 2 ? [...batches].reverse() : batches;
    for (const batch of order) {
      const pool = new SlotKvPool({ ...shape, initialSlots: batch, initialCapacity: context + steps + 4 });
      runner.reset();
      await runner.forward(prompt);
      for (let slot = 0; slot < batch; slot++) pool.load(slot, runner.cache);
      for (let step = 0; step < steps + 2; step++) {
        const tokens = Array.from({ length: batch }, (_, b) => [(step * 31 + b * 7 + 5) % regularTokens]);
        const started = performance.now();
        await runner.forwardBatch(pool, tokens);
        if (step >= 2) record(`${context}:${batch}`, performance.now() - started);
      }
      pool.dispose();
    }
  }
}
await runner.dispose();

const rows = [];
for (const context of contexts) {
  const alone = median(times[`${context}:alone`]!);
  process.stderr.write(
    `${dtype} context ${context}: alone ${alone.toFixed(1)} ms/step (${(1000 / alone).toFixed(1)} tok/s)\n`,
  );
  for (const batch of batches) {
    const ms = median(times[`${context}:${batch}`]!);
    const row = { context, batch, msPerStep: ms, tokensPerSecond: (1000 * batch) / ms, speedup: (batch * alone) / ms };
    rows.push(row);
    process.stderr.write(
      `  batch ${String(batch).padStart(2)}: ${ms.toFixed(1)} ms/step, ${row.tokensPerSecond.toFixed(0)} tok/s, ${row.speedup.toFixed(2)}× alone\n`,
    );
  }
}
const resultsDir = join(packageDir, 'benchmarks', 'results');
await mkdir(resultsDir, { recursive: true });
await writeFile(
  join(resultsDir, 'batched-step.json'),
  `${JSON.stringify({ date: new Date().toISOString(), dtype, steps, rounds, loadAverage: loads, rows }, null, 2)}\n`,
);
