import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { type PluginFactory, readManifest } from '@pio/core';
import type { DecoderTextPlugin } from '@pio/engine';
import { watchOtherCpuShare } from '@pio/test-kit';

/** The three engines compared. */
export type EngineName = 'pio-checkpoint' | 'pio-onnx-folder' | 'transformers-js';

/** What one child process measures: one engine at one context. */
export interface EngineJob {
  engine: EngineName;
  /** `pio-checkpoint`: the safetensors folder; the others: the exported folder. */
  folder: string;
  /** PIO build cache. */
  cacheDir: string;
  /** Prompt tokens. */
  context: number;
  /** Timed decode steps after the prompt. */
  decodeSteps: number;
  /** Ids below this are ordinary tokens. */
  regularTokens: number;
  numThreads: number;
  /** Only load (and build into the cache); measure nothing. */
  buildOnly?: boolean;
}

/** One child's result. */
export interface EngineMeasurement {
  engine: EngineName;
  context: number;
  /** Model load (from the build cache for PIO). */
  loadMs: number;
  /** Prompt of `context` tokens to its first token. */
  timeToFirstTokenMs: number;
  /** Median milliseconds per decode step after the prompt. */
  msPerStepMedian: number;
  /** 1000 / median step. */
  decodeTokensPerSecond: number;
  /** Steps timed. */
  steps: number;
  /** Peak resident memory of the whole child process. */
  peakRssBytes: number;
  /** Bytes of weights the engine reports (PIO) or null. */
  weightBytes: number | null;
  /** Share of the CPU other processes used during the timed prompt and steps (null off Linux). */
  otherCpuShare: number | null;
}

/** Synthetic prompt: ordinary token ids, the same for every engine. */
export function promptIds(length: number, regularTokens: number): number[] {
  return Array.from({ length }, (_, i) => (i * 7919 + 13) % regularTokens);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

async function createPioPlugin(engine: EngineName): Promise<DecoderTextPlugin<never>> {
  const modelPackage = engine === 'pio-checkpoint' ? '@pio/model-llama' : '@pio/model-onnx';
  const module = (await import(modelPackage)) as Record<string, unknown>;
  const factory = (engine === 'pio-checkpoint' ? module.createLlamaPlugin : module.createOnnxPlugin) as PluginFactory;
  const packageJsonPath = fileURLToPath(
    engine === 'pio-checkpoint'
      ? import.meta.resolve('@pio/model-llama/package.json')
      : new URL('../package.json', import.meta.url).href,
  );
  const packageJson = JSON.parse(await readFile(packageJsonPath, 'utf8')) as Record<string, unknown>;
  const { metadata } = readManifest(packageJson, {
    packageDir: dirname(packageJsonPath),
    packageJsonPath,
    fallbackName: String(packageJson.name),
  });
  return (await factory({ metadata, packageDir: dirname(packageJsonPath) })) as unknown as DecoderTextPlugin<never>;
}

/** PIO (either way in): a fill of `context` tokens, then single-token greedy steps, through `forward`. */
async function measurePio(job: EngineJob): Promise<EngineMeasurement> {
  const plugin = await createPioPlugin(job.engine);
  let started = performance.now();
  await plugin.initialize({
    checkpoint: job.folder,
    cacheDir: job.cacheDir,
    runtime: { dtype: 'float32', numThreads: job.numThreads, maxContextLength: 2048 },
  });
  const loadMs = performance.now() - started;
  const info = await plugin.loadModel();
  try {
    if (job.buildOnly) return emptyMeasurement(job, loadMs);
    // Warm-up: a short prompt and a few steps.
    await plugin.forward(
      promptIds(16, job.regularTokens).map((id) => (id + 1) % job.regularTokens),
      { reset: true },
    );
    for (let i = 0; i < 3; i++) await plugin.forward([1]);
    const prompt = promptIds(job.context, job.regularTokens);
    const otherShare = watchOtherCpuShare();
    started = performance.now();
    let next = argmax(await plugin.forward(prompt, { reset: true }));
    const timeToFirstTokenMs = performance.now() - started;
    const steps: number[] = [];
    for (let step = 0; step < job.decodeSteps; step++) {
      started = performance.now();
      next = argmax(await plugin.forward([next]));
      steps.push(performance.now() - started);
    }
    const msPerStepMedian = median(steps);
    return {
      engine: job.engine,
      context: job.context,
      loadMs,
      timeToFirstTokenMs,
      msPerStepMedian,
      decodeTokensPerSecond: 1000 / msPerStepMedian,
      steps: steps.length,
      peakRssBytes: peakRssBytes(),
      weightBytes: info.weightBytes,
      otherCpuShare: otherShare() ?? null,
    };
  } finally {
    await plugin.cleanup();
  }
}

/** transformers.js: `generate` (greedy, exactly decodeSteps + 1 new tokens), timed by a streamer per token. */
async function measureTransformersJs(job: EngineJob): Promise<EngineMeasurement> {
  const { AutoModelForCausalLM, env, Tensor } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = dirname(job.folder);
  const name = basename(job.folder);
  let started = performance.now();
  const model = await AutoModelForCausalLM.from_pretrained(name, {
    dtype: 'fp32',
    session_options: { intraOpNumThreads: job.numThreads, interOpNumThreads: 1 },
  });
  const loadMs = performance.now() - started;
  try {
    if (job.buildOnly) return emptyMeasurement(job, loadMs);
    const run = async (ids: number[], newTokens: number) => {
      const times: number[] = [];
      const input = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
      const mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
      started = performance.now();
      await model.generate({
        input_ids: input,
        attention_mask: mask,
        max_new_tokens: newTokens,
        min_new_tokens: newTokens,
        do_sample: false,
        // The first put is the prompt; each later one is a new token.
        streamer: { put: () => times.push(performance.now()), end: () => {} },
      } as never);
      return { started, times: times.slice(1) };
    };
    await run(
      promptIds(16, job.regularTokens).map((id) => (id + 1) % job.regularTokens),
      4,
    );
    const otherShare = watchOtherCpuShare();
    const { started: t0, times } = await run(promptIds(job.context, job.regularTokens), job.decodeSteps + 1);
    const steps = times.slice(1).map((time, index) => time - times[index]!);
    const msPerStepMedian = median(steps);
    return {
      engine: job.engine,
      context: job.context,
      loadMs,
      timeToFirstTokenMs: times[0]! - t0,
      msPerStepMedian,
      decodeTokensPerSecond: 1000 / msPerStepMedian,
      steps: steps.length,
      peakRssBytes: peakRssBytes(),
      weightBytes: null,
      otherCpuShare: otherShare() ?? null,
    };
  } finally {
    await model.dispose();
  }
}

function emptyMeasurement(job: EngineJob, loadMs: number): EngineMeasurement {
  return {
    engine: job.engine,
    context: 0,
    loadMs,
    timeToFirstTokenMs: 0,
    msPerStepMedian: 0,
    decodeTokensPerSecond: 0,
    steps: 0,
    peakRssBytes: peakRssBytes(),
    weightBytes: null,
    otherCpuShare: null,
  };
}

/** Runs `job` in this process. */
export function measureEngine(job: EngineJob): Promise<EngineMeasurement> {
  return job.engine === 'transformers-js' ? measureTransformersJs(job) : measurePio(job);
}

/**
 * Peak resident memory of this process: VmHWM of /proc/self/status. (getrusage's
 * maxRSS survives exec on Linux, so a child would report its parent's peak.)
 */
function peakRssBytes(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS * 1024;
}
