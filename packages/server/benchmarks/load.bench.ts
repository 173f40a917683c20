// Load benchmark: `pnpm --filter @pio/server bench` (wrap in `flock /tmp/pio-bench.lock`).
// Starts the server on a random checkpoint: PIO_BENCH_SHAPE `tiny` (default),
// `smollm2-135m` or `llama-3.2-1b` (real shapes, written once under the OS temp
// folder), or PIO_BENCH_CHECKPOINT; dtype PIO_BENCH_DTYPE (int4 for the real
// shapes). For each level of PIO_BENCH_CLIENTS (a comma list, default `1,8,32`)
// it runs that many concurrent streaming clients, each sending
// PIO_BENCH_REQUESTS (2) chat/completions requests of PIO_BENCH_TOKENS (64)
// tokens one after another, while another loop polls /health every 25 ms; the
// server batches up to PIO_BENCH_MAX_BATCH (32) sequences per step.
// Writes benchmarks/results/load.json (levels, and each level's speedup over 1 client).
//
// Clients are plain `fetch` loops with an SSE reader, not autocannon:
// autocannon counts bytes and responses, but cannot read an event stream
// token by token, so it cannot give time to first token, tokens per request,
// or check that each stream ends with `data: [DONE]`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { prepareBenchCheckpoint, referenceShapes, watchOtherCpuShare, writeRandomCheckpoint } from '@pio/test-kit';
import { type PioServer, startServer } from '../src/index.js';

const clientLevels = (process.env.PIO_BENCH_CLIENTS ?? '1,8,32').split(',').map(Number);
const shape = process.env.PIO_BENCH_SHAPE ?? 'tiny';
const maxBatch = Number(process.env.PIO_BENCH_MAX_BATCH ?? 32);
const dtype = process.env.PIO_BENCH_DTYPE ?? (shape === 'tiny' ? 'float32' : 'int4');
const requestsPerClient = Number(process.env.PIO_BENCH_REQUESTS ?? 2);
const maxTokens = Number(process.env.PIO_BENCH_TOKENS ?? 64);
const threads = Number(process.env.PIO_BENCH_THREADS ?? 2);
const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');

interface RequestResult {
  ok: boolean;
  error?: string;
  ttfbMs: number;
  ttftMs: number;
  totalMs: number;
  completionTokens: number;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index]! * 10) / 10;
}

function summary(values: readonly number[]) {
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: percentile(values, 100) };
}

async function streamOnce(server: PioServer, model: string, client: number, index: number): Promise<RequestResult> {
  // Half the requests are chats, on shapes whose tokenizer has a chat template (the tiny llama3 one; not GPT-2's).
  const chat = shape === 'tiny' && (client + index) % 2 === 0;
  const body = {
    model,
    max_tokens: maxTokens,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
    ...(chat
      ? { messages: [{ role: 'user', content: `Client ${client} asks question ${index}.` }] }
      : { prompt: `Client ${client}, request ${index}: once upon a time` }),
  };
  const started = performance.now();
  let ttfbMs = Number.NaN;
  let ttftMs = Number.NaN;
  let completionTokens = 0;
  let done = false;
  try {
    const response = await fetch(`${server.url}/v1/${chat ? 'chat/completions' : 'completions'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    ttfbMs = performance.now() - started;
    if (response.status !== 200 || !response.body) {
      return {
        ok: false,
        error: `HTTP ${response.status}: ${await response.text()}`,
        ttfbMs,
        ttftMs,
        totalMs: performance.now() - started,
        completionTokens,
      };
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const bytes of response.body) {
      buffer += decoder.decode(bytes as Uint8Array, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const data = event.replace(/^data: /, '');
        if (data === '[DONE]') {
          done = true;
          continue;
        }
        const chunk = JSON.parse(data) as {
          choices: { text?: string; delta?: { content?: string } }[];
          usage?: { completion_tokens: number } | null;
        };
        const text = chunk.choices[0]?.text ?? chunk.choices[0]?.delta?.content ?? '';
        if (text !== '' && Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
        if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
      }
    }
  } catch (error) {
    return { ok: false, error: String(error), ttfbMs, ttftMs, totalMs: performance.now() - started, completionTokens };
  }
  const totalMs = performance.now() - started;
  return done
    ? { ok: true, ttfbMs, ttftMs, totalMs, completionTokens }
    : { ok: false, error: 'no [DONE]', ttfbMs, ttftMs, totalMs, completionTokens };
}

async function runLevel(server: PioServer, clients: number) {
  const otherCpuShare = watchOtherCpuShare();
  const healthMs: number[] = [];
  // The HTTP thread's own delay: high /health latency with a low delay here means CPU contention, not a blocked loop.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  let loading = true;
  const health = (async () => {
    while (loading) {
      const started = performance.now();
      const response = await fetch(`${server.url}/health`);
      await response.json();
      healthMs.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  const started = performance.now();
  const results = (
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        const own: RequestResult[] = [];
        for (let index = 0; index < requestsPerClient; index++)
          own.push(await streamOnce(server, 'bench', client, index));
        return own;
      }),
    )
  ).flat();
  const wallMs = performance.now() - started;
  loading = false;
  await health;
  loopDelay.disable();
  const ok = results.filter((result) => result.ok);
  const tokens = ok.reduce((sum, result) => sum + result.completionTokens, 0);
  return {
    clients,
    requests: results.length,
    errors: results.length - ok.length,
    errorSamples: results
      .filter((result) => !result.ok)
      .slice(0, 3)
      .map((result) => result.error),
    otherCpuShare: otherCpuShare() ?? null,
    wallSeconds: Math.round(wallMs) / 1000,
    completionTokens: tokens,
    tokensPerSecond: Math.round((tokens / wallMs) * 1000 * 10) / 10,
    latencyMs: {
      timeToFirstByte: summary(ok.map((result) => result.ttfbMs)),
      timeToFirstToken: summary(ok.map((result) => result.ttftMs).filter((ms) => !Number.isNaN(ms))),
      total: summary(ok.map((result) => result.totalMs)),
    },
    healthDuringLoadMs: { samples: healthMs.length, ...summary(healthMs) },
    httpThreadEventLoopDelayMs: {
      p50: Math.round(loopDelay.percentile(50) / 1e4) / 100,
      p99: Math.round(loopDelay.percentile(99) / 1e4) / 100,
      max: Math.round(loopDelay.max / 1e4) / 100,
    },
  };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'pio-server-bench-'));
  try {
    // The test kit's real shapes that @pio/model-llama (the one model this package's benchmarks install) runs.
    const recipe = referenceShapes.find(
      (candidate) => candidate.name === shape && candidate.recipe.arch === 'llama',
    )?.recipe;
    const checkpoint =
      process.env.PIO_BENCH_CHECKPOINT ??
      (recipe
        ? (await prepareBenchCheckpoint(join(tmpdir(), 'pio-bench', shape), recipe)).dir
        : (await writeRandomCheckpoint(join(root, 'bench-tiny'), { arch: 'llama', tokenizer: 'llama3', seed: 3 })).dir);
    const loadStarted = performance.now();
    const server = await startServer({
      models: [{ checkpoint, id: 'bench' }],
      port: 0,
      maxQueue: Math.max(...clientLevels) * 2,
      runtime: { numThreads: threads, maxBatchSize: maxBatch, dtype: dtype as 'int4' },
      cacheDir: recipe ? join(tmpdir(), 'pio-bench-server-cache') : join(root, 'cache'),
      roots: [packageDir],
    });
    const loadMs = performance.now() - loadStarted;
    try {
      // Warm up: the first generations pay for lazy allocations (one alone, then a batch).
      await streamOnce(server, 'bench', 0, 0);
      await Promise.all(Array.from({ length: 4 }, (_, client) => streamOnce(server, 'bench', client, 1)));
      const levels = [];
      for (const clients of clientLevels) levels.push(await runLevel(server, clients));
      const alone = levels.find((level) => level.clients === 1);
      const report = {
        benchmark: '@pio/server load',
        date: new Date().toISOString(),
        machine: {
          node: process.version,
          cpu: cpus()[0]?.model.trim(),
          cpus: availableParallelism(),
          loadavg: loadavg(),
        },
        settings: {
          shape,
          dtype,
          requestsPerClient,
          maxTokens,
          threads,
          maxBatch,
          checkpoint:
            process.env.PIO_BENCH_CHECKPOINT ??
            (recipe ? `random ${shape}` : 'random llama, llama3 tokenizer (128k vocab), hidden 64, 2 layers'),
          modelLoadMs: Math.round(loadMs),
        },
        levels: levels.map((level) => ({
          ...level,
          ...(alone
            ? {
                speedupOverOneClient: Math.round((level.tokensPerSecond / alone.tokensPerSecond) * 100) / 100,
                ttftP50OverOneClient:
                  Math.round((level.latencyMs.timeToFirstToken.p50 / alone.latencyMs.timeToFirstToken.p50) * 100) / 100,
              }
            : {}),
        })),
      };
      mkdirSync(join(here, 'results'), { recursive: true });
      writeFileSync(join(here, 'results', `load-${shape}.json`), `${JSON.stringify(report, null, 2)}\n`);
      console.log(JSON.stringify(report, null, 2));
    } finally {
      await server.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
