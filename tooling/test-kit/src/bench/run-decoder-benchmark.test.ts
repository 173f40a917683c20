import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PluginFactory, PluginInitializeOptions } from '@pio/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SteppingTextPlugin } from '../suites/describe-inference-suite.js';
import type { DecoderBenchmarkReport } from './benchmark-report.js';
import { runDecoderBenchmark } from './run-decoder-benchmark.js';

let root: string;
let packageDir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-bench-harness-'));
  packageDir = join(root, 'model-tiny');
  await mkdir(packageDir);
  await writeFile(join(packageDir, 'package.json'), JSON.stringify(tinyPackage));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const tinyPackage = {
  name: '@pio/model-tiny',
  version: '1.2.3',
  type: 'module',
  pio: {
    specificationVersion: 'v1',
    type: 'model',
    displayName: 'Tiny',
    description: 'A stand-in model package for the harness test.',
    author: 'PIO contributors',
    license: 'MIT',
    architectures: ['LlamaForCausalLM'],
    modelTypes: ['llama'],
    family: 'Tiny',
    size: '1K',
    parameters: 1234,
    requiredMemoryGb: 0.1,
    modalities: ['text'],
    tags: ['text-generation'],
    compatibility: { core: '^0.1.0', node: '>=20', onnxruntime: '>=1.20.0' },
    entryPoint: { export: '.', factory: 'createTinyPlugin' },
  },
};

/**
 * A virtual clock for `performance.now`: it moves only when the stand-in
 * plugin says it spent time, so the harness's arithmetic is checked exactly
 * and no assertion depends on how loaded the machine is.
 */
let virtualMs = 0;
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * A stand-in plugin whose cost grows with the cache, so the harness's
 * bookkeeping (phases, cache checks, contexts, summary, files) can be checked
 * in milliseconds; the model packages' own benchmarks run the real thing.
 */
function createCountingPlugin(calls: Record<string, unknown>[]): PluginFactory {
  return () => {
    let cached = 0;
    const spin = (ms: number) => {
      virtualMs += ms;
    };
    const plugin = {
      async initialize(options: PluginInitializeOptions) {
        calls.push({ method: 'initialize', runtime: options.runtime });
        const graph = join(options.cacheDir!, 'builds', 'key', 'decoder.onnx');
        try {
          await access(graph);
        } catch {
          await mkdir(dirname(graph), { recursive: true });
          await writeFile(graph, new Uint8Array(4096));
        }
      },
      async loadModel() {
        return { config: {}, parameters: 1234, weightBytes: 4936, loadMs: 7, fromCache: true };
      },
      async forward(ids: readonly number[], options: { reset?: boolean } = {}) {
        if (options.reset) cached = 0;
        cached += ids.length;
        spin(0.2 + cached * 0.02);
        return new Float32Array(8);
      },
      async generateText(
        prompt: { inputIds: readonly number[] },
        options: { maxNewTokens?: number; temperature?: number },
      ) {
        calls.push({ method: 'generateText', first: prompt.inputIds[0], length: prompt.inputIds.length, options });
        return {
          text: '',
          promptIds: [...prompt.inputIds],
          ids: [],
          finishReason: 'length',
          usage: {
            promptTokens: prompt.inputIds.length,
            cachedPromptTokens: 0,
            completionTokens: options.maxNewTokens ?? 0,
            timeToFirstTokenMs: 20,
            tokensPerSecond: 50,
          },
        };
      },
      async cleanup() {},
    };
    return plugin as unknown as SteppingTextPlugin;
  };
}

describe('runDecoderBenchmark', () => {
  it('measures each dtype, summarizes, prints a table and writes the JSON report', async () => {
    const calls: Record<string, unknown>[] = [];
    const lines: string[] = [];
    const resultsDir = join(root, 'results');
    vi.spyOn(performance, 'now').mockImplementation(() => virtualMs);
    const report = (await runDecoderBenchmark({
      name: 'tiny',
      title: 'tiny shape',
      packageDir,
      createPlugin: createCountingPlugin(calls),
      arch: 'llama',
      config: { vocab_size: 600, tie_word_embeddings: true },
      tokenizer: 'gpt2',
      dtypes: ['float32', 'int4'],
      contexts: [8, 64],
      decodeSteps: 5,
      warmupSteps: 1,
      prefillLength: 16,
      generateTokens: 3,
      numThreads: 1,
      checkpointRoot: join(root, 'checkpoints'),
      resultsDir,
      isolate: false,
      idleWait: false,
      baseline: { source: 'made up', byDtype: { int4: { decodeTokensPerSecond: { '8': 99 } } } },
      log: (line) => lines.push(line),
    })) as DecoderBenchmarkReport;

    expect(report.results.map((result) => result.dtype)).toEqual(['float32', 'int4']);
    expect(calls.filter((call) => call.method === 'initialize').map((call) => call.runtime)).toEqual([
      { dtype: 'float32', numThreads: 1, maxContextLength: 256 },
      { dtype: 'float32', numThreads: 1, maxContextLength: 256 },
      { dtype: 'int4', numThreads: 1, maxContextLength: 256 },
      { dtype: 'int4', numThreads: 1, maxContextLength: 256 },
    ]);
    // The time-to-first-token prompt shares no prefix with the fills (which start at id 13).
    const generation = calls.find((call) => call.method === 'generateText')!;
    expect(generation.length).toBe(16);
    expect(generation.first).not.toBe(13);
    expect(generation.options).toEqual({ maxNewTokens: 3, temperature: 0 });

    const [float32] = report.results;
    expect(float32!.build.fromCache).toBe(false);
    expect(float32!.build.buildBytes).toBe(4096);
    expect(float32!.run.fromCache).toBe(true);
    expect(float32!.run.decode.map((d) => [d.context, d.fill.tokens, d.msPerStep.count])).toEqual([
      [9, 8, 5],
      [65, 64, 5],
    ]);
    expect(float32!.run.generation.prefillTokensPerSecond).toBe(800);
    expect(float32!.summary).toMatchObject({
      parameters: 1234,
      weightBytes: 4936,
      cachedStartMs: 7,
      prefillTokensPerSecond: 800,
    });
    // Steps cost 0.2 ms + 0.02 ms per cached token, on the virtual clock: at
    // context 9 the 5 timed steps see 10..14 cached tokens, at 65 they see 66..70.
    expect(float32!.run.decode.map((d) => d.msPerStep.median)).toEqual(
      [0.2 + 12 * 0.02, 0.2 + 68 * 0.02].map((ms) => expect.closeTo(ms, 9)),
    );
    expect(float32!.summary.stepRatio).toBeCloseTo((0.2 + 68 * 0.02) / (0.2 + 12 * 0.02), 6);
    expect(Object.keys(float32!.summary.decodeTokensPerSecond)).toEqual(['8', '64']);

    expect(report.checkpoint.parameters).toBe(600 * 64 + 2 * (64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 128 + 2 * 64) + 64);
    expect(report.checkpoint.tokenizerNote).toMatch(/trimmed to vocab_size 600/);
    expect(report.package).toEqual({ name: '@pio/model-tiny', version: '1.2.3', manifestParameters: 1234 });
    expect(report.settings).toEqual({
      numThreads: 1,
      maxContextLength: 256,
      contexts: [8, 64],
      decodeSteps: 5,
      warmupSteps: 1,
      prefillLength: 16,
      generateTokens: 3,
      isolated: false,
      idleWait: false,
    });
    expect(JSON.parse(await readFile(join(resultsDir, 'tiny.json'), 'utf8'))).toEqual(report);

    const table = lines.find((line) => line.startsWith('tiny shape: @pio/model-tiny 1.2.3'))!;
    expect(table).toMatch(/^decode at 64 \(tok\/s\)\s+[\d.]+\s+[\d.]+\s*$/m);
    expect(table).toMatch(/^decode at 8 \(tok\/s\)\s+[\d.]+\s+[\d.]+\s+99$/m);
    expect(table).toMatch(/^parameters\s+1,234\s+1,234\s*$/m);
    expect(table).toContain('ref: made up');
  });
});
