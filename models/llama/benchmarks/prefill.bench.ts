/**
 * `pnpm bench:prefill`: time to first token of 512- and 1536-token prompts
 * on the SmolLM2-135M shape (float32 and int4), with the prefill graph
 * (fused causal GroupQueryAttention) against the decode graph alone, and the
 * resident memory of each setup. Timings alternate the two runners in one
 * process (load from other processes hits both alike; min and median of 5);
 * memory is measured in a fresh process per setup. Writes
 * benchmarks/results/prefill.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dtype } from '@pio/core';
import { DecoderRunner } from '@pio/engine';
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

const lengths = [512, 1536];
const repeats = 5;
// SmolLM2-135M: 30 layers, 3 KV heads of 64.
const shape = { numLayers: 30, rowSize: 192, vocabSize: 49152, maxLength: 2048 };

/** Builds (or finds) the graphs of `dtype`; returns the newest build folder with a prefill graph. */
async function buildDir(dtype: Dtype): Promise<string> {
  const { dir } = await smolLm2Checkpoint();
  const plugin = await createPlugin();
  await plugin.initialize({ checkpoint: dir, cacheDir: extraCacheDir(dtype), runtime: runtime(dtype) });
  await plugin.cleanup();
  return newestBuild(extraCacheDir(dtype), 'prefill.onnx');
}

const runnerFor = (dir: string, withPrefill: boolean) =>
  DecoderRunner.create(
    { decode: join(dir, 'decoder.onnx'), ...(withPrefill ? { prefill: join(dir, 'prefill.onnx') } : {}) },
    shape,
    { numThreads: 2 },
  );

/** Private (anonymous) and file-backed resident memory in MiB. */
async function memory(): Promise<{ rssMiB: number; anonMiB: number; fileMiB: number }> {
  const status = await readFile('/proc/self/status', 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssMiB: kib('VmRSS'), anonMiB: kib('RssAnon'), fileMiB: kib('RssFile') };
}

async function memoryChild(dir: string, withPrefill: boolean) {
  const { regularTokens } = await smolLm2Checkpoint();
  const before = await memory();
  const runner = await runnerFor(dir, withPrefill);
  const loaded = await memory();
  await runner.forward(promptIds(1536, regularTokens));
  runner.reset();
  await runner.forward(promptIds(512, regularTokens, 1));
  const after = await memory();
  await runner.dispose();
  return { graphs: withPrefill ? 'decode+prefill' : 'decode only', before, loaded, afterPrompts: after };
}

async function timingChild(dir: string) {
  const { regularTokens } = await smolLm2Checkpoint();
  const runners = { 'decode+prefill': await runnerFor(dir, true), 'decode only': await runnerFor(dir, false) };
  const times: Record<string, Record<number, number[]>> = { 'decode+prefill': {}, 'decode only': {} };
  for (const runner of Object.values(runners)) await runner.forward(promptIds(64, regularTokens, 9));
  for (const length of lengths) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const [name, runner] of Object.entries(runners)) {
        runner.reset();
        const ids = promptIds(length, regularTokens, repeat);
        const started = performance.now();
        await runner.forward(ids);
        const runs = times[name]![length] ?? [];
        runs.push(performance.now() - started);
        times[name]![length] = runs;
      }
    }
  }
  for (const runner of Object.values(runners)) await runner.dispose();
  return Object.entries(times).map(([graphs, byLength]) => ({
    graphs,
    ttftMs: Object.fromEntries(
      Object.entries(byLength).map(([length, runs]) => [
        length,
        { min: Math.min(...runs), median: median(runs), runs: runs.map(Math.round) },
      ]),
    ),
  }));
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const [, mode, dir] = args;
  const result = mode === 'timing' ? await timingChild(dir!) : await memoryChild(dir!, mode === 'memory-both');
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const child = (mode: string, dir: string) =>
    JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--child', mode, dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      })
        .trim()
        .split('\n')
        .at(-1)!,
    );
  const results = [];
  for (const dtype of (args[0] ? [args[0]] : ['float32', 'int4']) as Dtype[]) {
    const dir = await buildDir(dtype);
    const timing = child('timing', dir);
    const memoryBoth = child('memory-both', dir);
    const memoryDecode = child('memory-decode', dir);
    results.push({ dtype, timing, memory: [memoryBoth, memoryDecode] });
    for (const row of timing) {
      process.stderr.write(
        `${dtype} ${row.graphs}: ${lengths.map((l) => `${l} tokens min ${row.ttftMs[l].min.toFixed(0)} / median ${row.ttftMs[l].median.toFixed(0)} ms`).join(', ')}\n`,
      );
    }
    for (const m of [memoryBoth, memoryDecode]) {
      process.stderr.write(
        `${dtype} ${m.graphs}: private memory ${m.before.anonMiB.toFixed(0)} -> ${m.loaded.anonMiB.toFixed(0)} loaded -> ${m.afterPrompts.anonMiB.toFixed(0)} MiB after prompts; file-backed ${m.afterPrompts.fileMiB.toFixed(0)} MiB; RSS ${m.afterPrompts.rssMiB.toFixed(0)} MiB\n`,
      );
    }
  }
  const resultsDir = join(packageDir, 'benchmarks', 'results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(
    join(resultsDir, 'prefill.json'),
    `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`,
  );
}
