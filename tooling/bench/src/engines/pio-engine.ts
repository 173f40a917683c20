import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Dtype, PluginManager } from '@pio/core';
import { runJobMain } from '../run-engine.js';
import {
  argmax,
  type EngineJob,
  type EngineResult,
  type PromptTiming,
  peakRssBytes,
  promptTiming,
} from './engine-job.js';

/** The low-level stepping every PIO decoder plugin has (`DecoderTextPlugin.forward`). */
interface SteppingPlugin {
  forward(inputIds: readonly number[], options?: { reset?: boolean }): Promise<Float32Array>;
}

async function timePrompt(plugin: SteppingPlugin, prompt: number[], decodeTokens: number): Promise<PromptTiming> {
  const tokens: number[] = [];
  const started = performance.now();
  let logits = await plugin.forward(prompt, { reset: true });
  tokens.push(argmax(logits));
  const first = performance.now();
  while (tokens.length < decodeTokens) {
    logits = await plugin.forward([tokens.at(-1)!]);
    tokens.push(argmax(logits));
  }
  return promptTiming(prompt.length, tokens, started, first, performance.now());
}

/** Bytes of the weight files in the build folder the plugin loaded (the newest build of the cache: the job's). */
async function weightBytesOf(job: EngineJob): Promise<number> {
  if (!job.cacheDir) return 0;
  const builds = join(job.cacheDir, 'builds');
  let newest = { mtime: 0, bytes: 0 };
  for (const name of await readdir(builds).catch(() => [] as string[])) {
    if (name.startsWith('.')) continue;
    const dir = join(builds, name);
    let bytes = 0;
    let mtime = 0;
    for (const file of await readdir(dir)) {
      const info = await stat(join(dir, file));
      if (file.endsWith('_data') || file.endsWith('.onnx')) bytes += info.size;
      mtime = Math.max(mtime, info.mtimeMs);
    }
    if (mtime > newest.mtime) newest = { mtime, bytes };
  }
  return newest.bytes;
}

/** What {@link openPioPlugin} needs of a job. */
export type PioOpenJob = Pick<EngineJob, 'model' | 'dtype' | 'cacheDir' | 'threads' | 'fromDist'>;

/**
 * Finds and activates the plugin for `job.model` through discovery, as `pio
 * run` does; `runtime` adds runtime fields. Dispose the returned manager.
 */
export async function openPioPlugin(
  job: PioOpenJob,
  runtime: Record<string, unknown> = {},
): Promise<{ plugin: unknown; manager: PluginManager }> {
  // Resolve plugins the way this worker's own imports resolve: built dist/, or sources under `@pio/source`.
  const manager = new PluginManager({
    roots: [dirname(fileURLToPath(import.meta.url))],
    conditions: job.fromDist ? ['import', 'default'] : ['@pio/source', 'import', 'default'],
  });
  await manager.discover();
  const record = await manager.findForCheckpoint(job.model);
  const plugin = await manager.activate(record.metadata.name, {
    checkpoint: job.model,
    ...(job.cacheDir ? { cacheDir: job.cacheDir } : {}),
    // `file`: no dtype, so a GGUF runs at its own precision (`pio run model.gguf`).
    runtime: {
      ...(job.dtype === 'file' ? {} : { dtype: job.dtype as Dtype }),
      numThreads: job.threads,
      ...runtime,
    },
  });
  return { plugin, manager };
}

/** Measures PIO on a Hugging Face checkpoint folder, found and activated through discovery as `pio run` does. */
export async function measurePio(job: EngineJob): Promise<EngineResult> {
  const opened = await openPioPlugin(job, { maxContextLength: job.contextSize });
  const { manager } = opened;
  const plugin = opened.plugin as SteppingPlugin;
  const loadMs = performance.now();
  const start = await timePrompt(plugin, job.startPrompt, 1);
  const startToFirstTokenMs = loadMs + start.timeToFirstTokenMs;
  const prompts: PromptTiming[] = [];
  for (const prompt of job.prompts) prompts.push(await timePrompt(plugin, prompt, job.decodeTokens));
  const result: EngineResult = {
    engine: 'pio',
    loadMs,
    startToFirstTokenMs,
    prompts,
    peakRssBytes: peakRssBytes(),
    weightBytes: await weightBytesOf(job),
  };
  await manager[Symbol.asyncDispose]();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await runJobMain(measurePio);
