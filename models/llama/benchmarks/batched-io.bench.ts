/**
 * `node --conditions=@pio/source --import tsx benchmarks/batched-io.bench.ts [int4|float32]`:
 * what the batched inputs of continuous batching cost a single sequence.
 * Decode ms/step at contexts 64, 512 and 1536 on the SmolLM2-135M shape for
 * the graph built with the engine's batched I/O (`decoderIo.batch`: one more
 * `If` per layer, per-token rotary positions, empty batch inputs fed) and the
 * same graph without it, both in one process, alternating blocks of steps (the
 * method of decode-attention.bench.ts). Writes benchmarks/results/batched-io.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dtype } from '@pio/core';
import {
  type BuildGraphsArgs,
  type BuiltGraphs,
  DecoderRunner,
  DecoderTextPlugin,
  decoderIo,
  graphSaveOptions,
} from '@pio/engine';
import { decoderOptionsFromConfig, writeDecoderTransformer } from '@pio/onnx';
import type { LlamaConfig } from '../src/config.js';
import { llamaDefinition } from '../src/plugin.js';
import { createPlugin, median, packageDir, promptIds, runtime, smolLm2Checkpoint } from './smollm2-setup.js';

type Variant = 'single-io' | 'batched-io';
const layouts: Variant[] = ['single-io', 'batched-io'];
const contexts = [64, 512, 1536];
const rounds = 4;
const stepsPerBlock = 8;
// SmolLM2-135M: 30 layers, 3 KV heads of 64.
const shape = { numLayers: 30, rowSize: 192, vocabSize: 49152, maxLength: 2048, numKeyValueHeads: 3, headDim: 64 };

/** `buildLlamaGraph` with the decode attention fixed to `layout`. */
async function buildWith(args: BuildGraphsArgs<LlamaConfig>, layout: Variant): Promise<BuiltGraphs> {
  const { config, weights, outDir } = args;
  const written = await writeDecoderTransformer(
    weights,
    {
      ...decoderOptionsFromConfig(config, layout === 'batched-io' ? decoderIo : { ...decoderIo, batch: undefined }),
      attentionBias: config.attentionBias,
      mlpBias: config.mlpBias,
      switchAttention: true,
      queryKeyNorm: false,
    },
    { dir: outDir, ...graphSaveOptions(args) },
  );
  return { graphs: { decode: written.modelFile }, parameters: written.parameters, weightBytes: written.dataBytes };
}

/** Builds (or finds) the graphs of `dtype` with `layout`; returns the build folder. */
async function buildDir(dtype: Dtype, layout: Variant): Promise<string> {
  const { dir } = await smolLm2Checkpoint();
  const cacheDir = join(tmpdir(), `pio-bench-batched-io-${dtype}-${layout}`);
  const base = await createPlugin();
  const plugin = new DecoderTextPlugin(
    { metadata: base.metadata, packageDir },
    {
      ...llamaDefinition,
      buildVersion: `${llamaDefinition.buildVersion}-bench-${layout}`,
      buildGraphs: (args) => buildWith(args, layout),
    },
  );
  await plugin.initialize({ checkpoint: dir, cacheDir, runtime: runtime(dtype) });
  await plugin.cleanup();
  const root = join(cacheDir, 'builds');
  let found: string | undefined;
  let newest = 0;
  for (const name of await readdir(root)) {
    const built = await stat(join(root, name, 'decoder.onnx')).catch(() => undefined);
    if (built && built.mtimeMs > newest) {
      newest = built.mtimeMs;
      found = join(root, name);
    }
  }
  if (!found) throw new Error(`no build in ${root}`);
  return found;
}

async function timingChild(dirs: Record<string, string>) {
  const { regularTokens } = await smolLm2Checkpoint();
  const runners: Record<string, DecoderRunner> = {};
  for (const [layout, dir] of Object.entries(dirs)) {
    runners[layout] = await DecoderRunner.create({ decode: join(dir, 'decoder.onnx') }, shape, { numThreads: 2 });
  }
  const times: Record<string, Record<number, number[]>> = Object.fromEntries(layouts.map((l) => [l, {}]));
  const loads: number[] = [];
  const longest = contexts.at(-1)!;
  const prompt = promptIds(longest, regularTokens);
  // Each round prefills the longest context once per runner, then measures every context, longest first: truncating
  // the cache to a shorter prefix keeps exactly its K/V, and a block's steps only overwrite rows past its context.
  for (let round = 0; round < rounds; round++) {
    loads.push(loadavg()[0]!);
    const order = round % 2 ? [...layouts].reverse() : layouts;
    for (const runner of Object.values(runners)) {
      runner.reset();
      await runner.forward(prompt);
    }
    for (const context of [...contexts].reverse()) {
      const prefix = [...prompt.slice(0, context), 0];
      for (const layout of order) {
        const runner = runners[layout]!;
        // Let the other session's spinning threads go idle, and warm this shape up.
        await new Promise((resolve) => setTimeout(resolve, 50));
        runner.reusePrefix(prefix);
        for (let step = 0; step < 2; step++) await runner.forward([(step * 31 + 7) % regularTokens]);
        runner.reusePrefix(prefix);
        const runs = times[layout]![context] ?? [];
        times[layout]![context] = runs;
        for (let step = 0; step < stepsPerBlock; step++) {
          const id = (round * 131 + step * 17 + 5) % regularTokens;
          const started = performance.now();
          await runner.forward([id]);
          runs.push(performance.now() - started);
        }
      }
    }
  }
  for (const runner of Object.values(runners)) await runner.dispose();
  return {
    loadAverage: { min: Math.min(...loads), max: Math.max(...loads) },
    layouts: layouts.map((layout) => {
      const byContext = Object.fromEntries(
        contexts.map((c) => {
          const runs = times[layout]![c]!;
          return [c, { medianMs: median(runs), minMs: Math.min(...runs), tokensPerSecond: 1000 / median(runs) }];
        }),
      );
      const first = byContext[contexts[0]!]!;
      const last = byContext[contexts.at(-1)!]!;
      return { layout, byContext, ratioMedian: last.medianMs / first.medianMs, ratioMin: last.minMs / first.minMs };
    }),
  };
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const result = await timingChild(JSON.parse(args[1]!) as Record<string, string>);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const results = [];
  for (const dtype of (args[0] ? [args[0]] : ['float32', 'int4']) as Dtype[]) {
    const dirs: Record<string, string> = {};
    for (const layout of layouts) dirs[layout] = await buildDir(dtype, layout);
    const timing = JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--child', JSON.stringify(dirs)], {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      })
        .trim()
        .split('\n')
        .at(-1)!,
    );
    results.push({ dtype, ...timing });
    process.stderr.write(
      `${dtype}: load average ${timing.loadAverage.min.toFixed(2)}–${timing.loadAverage.max.toFixed(2)}\n`,
    );
    for (const row of timing.layouts) {
      const cells = contexts.map((c) => {
        const cell = row.byContext[c];
        return `${c}: median ${cell.medianMs.toFixed(1)} / min ${cell.minMs.toFixed(1)} ms (${cell.tokensPerSecond.toFixed(1)} tok/s)`;
      });
      process.stderr.write(
        `${dtype} ${row.layout}: ${cells.join(', ')}; ${contexts.at(-1)}/${contexts[0]} median ${row.ratioMedian.toFixed(2)}, min ${row.ratioMin.toFixed(2)}\n`,
      );
    }
  }
  const resultsDir = join(packageDir, 'benchmarks', 'results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(
    join(resultsDir, 'batched-io.json'),
    `${JSON.stringify({ date: new Date().toISOString(), stepsPerBlock, rounds, results }, null, 2)}\n`,
  );
}
