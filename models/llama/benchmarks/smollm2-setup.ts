/**
 * Shared by the extra Llama benchmarks (prefill, multi-turn, soak): the
 * SmolLM2-135M-shaped random checkpoint of `llama.bench.ts` (same recipe, so
 * the same folder is reused), a plugin loaded from it, and RSS helpers.
 */
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dtype } from '@pio/core';
import { createPackagePlugin, prepareBenchCheckpoint, smolLm2Config } from '@pio/test-kit';
import { createLlamaPlugin, type LlamaPlugin } from '../src/index.js';

/** The model package folder. */
export const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** The SmolLM2-135M checkpoint of `llama.bench.ts` (written once into the OS temp folder). */
export async function smolLm2Checkpoint(): Promise<{ dir: string; regularTokens: number }> {
  const dir = join(tmpdir(), 'pio-bench', 'smollm2-135m');
  const checkpoint = await prepareBenchCheckpoint(dir, {
    arch: 'llama',
    config: smolLm2Config,
    tokenizer: 'gpt2',
    seed: 0,
    dtype: 'bfloat16',
  });
  return { dir, regularTokens: checkpoint.regularTokens };
}

/** One build cache per dtype, kept between runs (the builds of `llama.bench.ts` are thrown away). */
export function extraCacheDir(dtype: Dtype): string {
  return join(tmpdir(), `pio-bench-extra-cache-${dtype}`);
}

/** A Llama plugin created as discovery would (its package.json manifest). */
export function createPlugin(): Promise<LlamaPlugin> {
  return createPackagePlugin(packageDir, createLlamaPlugin);
}

/** The newest build folder under `cacheDir/builds` that holds `file` (`decoder.onnx`, `prefill.onnx`). */
export async function newestBuild(cacheDir: string, file: string): Promise<string> {
  const root = join(cacheDir, 'builds');
  let found: string | undefined;
  let newest = 0;
  for (const name of await readdir(root)) {
    const built = await stat(join(root, name, file)).catch(() => undefined);
    if (built && built.mtimeMs > newest) {
      newest = built.mtimeMs;
      found = join(root, name);
    }
  }
  if (!found) throw new Error(`no build with ${file} in ${root}`);
  return found;
}

/** Runtime options of every extra benchmark: 2 threads, a 2048-token context. */
export function runtime(dtype: Dtype): Record<string, unknown> {
  return { dtype, numThreads: 2, maxContextLength: 2048 };
}

/** Synthetic prompt ids: a fixed stride over the ordinary tokens; `variant` moves the start. */
export function promptIds(length: number, regularTokens: number, variant = 0): number[] {
  return Array.from({ length }, (_, i) => (i * 7919 + 13 + variant * 104729) % regularTokens);
}

/** Resident set size in MiB. */
export function rssMiB(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}

/** Median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
