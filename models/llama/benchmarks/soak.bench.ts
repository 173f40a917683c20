/**
 * `pnpm bench:soak [dtype] [generations]`: 200 consecutive generations (64
 * new tokens each; prompt lengths cycling 16..1024; every third one a
 * follow-up that reuses the previous turn's cache; every seventh aborted after
 * 8 tokens) on one plugin, sampling RSS every 10; then 20
 * initialize/cleanup cycles, sampling RSS after each, to check sessions are
 * released. Writes benchmarks/results/soak-<dtype>.json with the RSS curves
 * (first, last, max, least-squares slope per generation and per cycle).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dtype, GenerationDelta } from '@pio/core';
import {
  createPlugin,
  extraCacheDir,
  packageDir,
  promptIds,
  rssMiB,
  runtime,
  smolLm2Checkpoint,
} from './smollm2-setup.js';

const dtype = (process.argv[2] ?? 'int4') as Dtype;
const generations = Number(process.argv[3] ?? 200);
const cycles = Number(process.argv[4] ?? 20);
const newTokens = 64;
const promptLengths = [16, 128, 512, 64, 1024, 256, 32, 768];

const { dir, regularTokens } = await smolLm2Checkpoint();
const load = { checkpoint: dir, cacheDir: extraCacheDir(dtype), runtime: runtime(dtype) };
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function drain(
  stream: AsyncGenerator<GenerationDelta>,
  abortAfter?: { count: number; controller: AbortController },
) {
  const ids: number[] = [];
  for await (const delta of stream) {
    if (delta.type === 'finish') return { ids, finish: delta };
    if (delta.type !== 'token') continue;
    ids.push(delta.tokenId);
    if (abortAfter && ids.length === abortAfter.count) abortAfter.controller.abort();
  }
  throw new Error('no finish delta');
}

const started = performance.now();
const plugin = await createPlugin();
await plugin.initialize(load);
const rssLoaded = rssMiB();
const generationSamples: {
  generation: number;
  rssMiB: number;
  heapMiB: number;
  externalMiB: number;
  seconds: number;
}[] = [];
const sample = (generation: number) => {
  gc();
  const memory = process.memoryUsage();
  generationSamples.push({
    generation,
    rssMiB: memory.rss / 2 ** 20,
    heapMiB: memory.heapUsed / 2 ** 20,
    externalMiB: (memory.external + memory.arrayBuffers) / 2 ** 20,
    seconds: (performance.now() - started) / 1000,
  });
  process.stderr.write(`generation ${generation}: RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB\n`);
};
sample(0);
let previous: number[] = [];
let reused = 0;
let aborted = 0;
for (let generation = 1; generation <= generations; generation++) {
  const length = promptLengths[generation % promptLengths.length]!;
  const followUp = generation % 3 === 0 && previous.length + 40 + newTokens < 2048;
  const prompt = followUp
    ? [...previous, ...promptIds(24, regularTokens, generation)]
    : promptIds(length, regularTokens, generation);
  const abort = generation % 7 === 0 ? { count: 8, controller: new AbortController() } : undefined;
  const { ids, finish } = await drain(
    plugin.generate(
      { inputIds: prompt },
      {
        maxNewTokens: newTokens,
        temperature: 0.8,
        topK: 40,
        seed: generation,
        ...(abort ? { signal: abort.controller.signal } : {}),
      },
    ),
    abort,
  );
  if (finish.type === 'finish') {
    if ((finish.usage.cachedPromptTokens ?? 0) > 0) reused++;
    if (finish.finishReason === 'abort') aborted++;
  }
  previous = [...prompt, ...ids];
  if (generation % 10 === 0) sample(generation);
}
await plugin.cleanup();

const cycleSamples: { cycle: number; rssMiB: number }[] = [];
for (let cycle = 1; cycle <= cycles; cycle++) {
  const fresh = await createPlugin();
  await fresh.initialize(load);
  await drain(fresh.generate({ inputIds: promptIds(64, regularTokens, cycle) }, { maxNewTokens: 8 }));
  await fresh.cleanup();
  gc();
  cycleSamples.push({ cycle, rssMiB: rssMiB() });
  process.stderr.write(`cycle ${cycle}: RSS ${rssMiB().toFixed(0)} MiB\n`);
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}
const rss = generationSamples.map((s) => s.rssMiB);
// The first samples include the sessions' arenas growing to the largest prompt: the slope is taken after generation 50.
const steady = generationSamples.filter((s) => s.generation >= 50);
const result = {
  date: new Date().toISOString(),
  dtype,
  generations,
  newTokens,
  followUpsWithReuse: reused,
  aborted,
  rssAfterLoadMiB: rssLoaded,
  generationRss: {
    firstMiB: rss[0],
    lastMiB: rss.at(-1),
    maxMiB: Math.max(...rss),
    slopeMiBPerGenerationAfter50: slope(steady.map((s) => [s.generation, s.rssMiB] as const)),
  },
  cycleRss: {
    firstMiB: cycleSamples[0]?.rssMiB,
    lastMiB: cycleSamples.at(-1)?.rssMiB,
    maxMiB: Math.max(...cycleSamples.map((s) => s.rssMiB)),
    slopeMiBPerCycle: slope(cycleSamples.map((s) => [s.cycle, s.rssMiB] as const)),
  },
  generationSamples,
  cycleSamples,
  seconds: (performance.now() - started) / 1000,
};
const resultsDir = join(packageDir, 'benchmarks', 'results');
await mkdir(resultsDir, { recursive: true });
await writeFile(join(resultsDir, `soak-${dtype}.json`), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify({ ...result, generationSamples: undefined, cycleSamples: undefined }, null, 2));
