/**
 * Shared by decode-attention.bench.ts and batched-io.bench.ts: decode ms/step
 * at contexts 64, 512 and 1536 on the SmolLM2-135M shape for two or more
 * variants of the Llama decode graph. Every variant is built once per dtype
 * (its own build cache), then all run in one child process, in alternating
 * blocks of steps, and every round measures every context (load from other
 * processes hits variants and contexts alike); each block starts from the
 * same prefilled context. Writes benchmarks/results/<name>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
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
import { type DecoderTransformerOptions, decoderOptionsFromConfig, writeDecoderTransformer } from '@pio/onnx';
import type { LlamaConfig } from '../src/config.js';
import { llamaDefinition } from '../src/plugin.js';
import {
  createPlugin,
  median,
  newestBuild,
  packageDir,
  promptIds,
  runtime,
  smolLm2Checkpoint,
} from './smollm2-setup.js';

/** What {@link compareDecodeGraphs} measures. */
export interface DecodeGraphComparison<Variant extends string> {
  /** Names the build caches (`pio-bench-<name>-<dtype>-<variant>`) and the results file (`<name>.json`). */
  name: string;
  /** The graphs compared, in the order of the first round (later rounds alternate it). */
  variants: readonly Variant[];
  /** Each variant's decoder options, over the Llama graph's own (its config's, switch attention, no q/k norm). */
  graphOptions: Record<Variant, Partial<DecoderTransformerOptions>>;
  /** Rounds of measurement: each measures every context of every variant. */
  rounds: number;
}

const contexts = [64, 512, 1536];
const stepsPerBlock = 8;
// SmolLM2-135M: 30 layers, 3 KV heads of 64.
const shape = { numLayers: 30, rowSize: 192, vocabSize: 49152, maxLength: 2048, numKeyValueHeads: 3, headDim: 64 };

/**
 * Runs the comparison: in the parent (the benchmark as started, `[float32|int4]`
 * or both) builds the variants and starts the timing child; in the child
 * (`--child <dirs>`, the same script) times them and prints the result.
 */
export async function compareDecodeGraphs<Variant extends string>(
  comparison: DecodeGraphComparison<Variant>,
): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const result = await timingChild(comparison, JSON.parse(args[1]!) as Record<Variant, string>);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const results = [];
  for (const dtype of (args[0] ? [args[0]] : ['float32', 'int4']) as Dtype[]) {
    const dirs: Record<string, string> = {};
    for (const variant of comparison.variants) dirs[variant] = await buildDir(comparison, dtype, variant);
    const timing = JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--child', JSON.stringify(dirs)], {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      })
        .trim()
        .split('\n')
        .at(-1)!,
    ) as Awaited<ReturnType<typeof timingChild>>;
    results.push({ dtype, ...timing });
    process.stderr.write(
      `${dtype}: load average ${timing.loadAverage.min.toFixed(2)}–${timing.loadAverage.max.toFixed(2)}\n`,
    );
    for (const row of timing.layouts) {
      const cells = contexts.map((c) => {
        const cell = row.byContext[c]!;
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
    join(resultsDir, `${comparison.name}.json`),
    `${JSON.stringify({ date: new Date().toISOString(), stepsPerBlock, rounds: comparison.rounds, results }, null, 2)}\n`,
  );
}

/** The Llama graph with `variant`'s options. */
async function buildWith<Variant extends string>(
  comparison: DecodeGraphComparison<Variant>,
  args: BuildGraphsArgs<LlamaConfig>,
  variant: Variant,
): Promise<BuiltGraphs> {
  const { config, weights, outDir } = args;
  const written = await writeDecoderTransformer(
    weights,
    {
      ...decoderOptionsFromConfig(config, decoderIo),
      attentionBias: config.attentionBias,
      mlpBias: config.mlpBias,
      switchAttention: true,
      queryKeyNorm: false,
      ...comparison.graphOptions[variant],
    },
    { dir: outDir, ...graphSaveOptions(args) },
  );
  return { graphs: { decode: written.modelFile }, parameters: written.parameters, weightBytes: written.dataBytes };
}

/** Builds (or finds) the graphs of `dtype` for `variant`; returns the build folder. */
async function buildDir<Variant extends string>(
  comparison: DecodeGraphComparison<Variant>,
  dtype: Dtype,
  variant: Variant,
): Promise<string> {
  const { dir } = await smolLm2Checkpoint();
  const cacheDir = join(tmpdir(), `pio-bench-${comparison.name}-${dtype}-${variant}`);
  const base = await createPlugin();
  const plugin = new DecoderTextPlugin(
    { metadata: base.metadata, packageDir },
    {
      ...llamaDefinition,
      buildVersion: `${llamaDefinition.buildVersion}-bench-${variant}`,
      buildGraphs: (args) => buildWith(comparison, args, variant),
    },
  );
  await plugin.initialize({ checkpoint: dir, cacheDir, runtime: runtime(dtype) });
  await plugin.cleanup();
  return newestBuild(cacheDir, 'decoder.onnx');
}

async function timingChild<Variant extends string>(
  comparison: DecodeGraphComparison<Variant>,
  dirs: Record<Variant, string>,
) {
  const { variants, rounds } = comparison;
  const { regularTokens } = await smolLm2Checkpoint();
  const runners = {} as Record<Variant, DecoderRunner>;
  for (const variant of variants) {
    runners[variant] = await DecoderRunner.create({ decode: join(dirs[variant], 'decoder.onnx') }, shape, {
      numThreads: 2,
    });
  }
  const times = Object.fromEntries(variants.map((v) => [v, {}])) as Record<Variant, Record<number, number[]>>;
  const loads: number[] = [];
  const longest = contexts.at(-1)!;
  const prompt = promptIds(longest, regularTokens);
  // Each round prefills the longest context once per runner, then measures every context, longest first: truncating
  // the cache to a shorter prefix keeps exactly its K/V, and a block's steps only overwrite rows past its context.
  for (let round = 0; round < rounds; round++) {
    loads.push(loadavg()[0]!);
    const order = round % 2 ? [...variants].reverse() : variants;
    for (const runner of Object.values<DecoderRunner>(runners)) {
      runner.reset();
      await runner.forward(prompt);
    }
    for (const context of [...contexts].reverse()) {
      const prefix = [...prompt.slice(0, context), 0];
      for (const variant of order) {
        const runner = runners[variant];
        // Let the other session's spinning threads go idle, and warm this shape up.
        await new Promise((resolve) => setTimeout(resolve, 50));
        runner.reusePrefix(prefix);
        for (let step = 0; step < 2; step++) await runner.forward([(step * 31 + 7) % regularTokens]);
        runner.reusePrefix(prefix);
        const runs = times[variant][context] ?? [];
        times[variant][context] = runs;
        for (let step = 0; step < stepsPerBlock; step++) {
          const id = (round * 131 + step * 17 + 5) % regularTokens;
          const started = performance.now();
          await runner.forward([id]);
          runs.push(performance.now() - started);
        }
      }
    }
  }
  for (const runner of Object.values<DecoderRunner>(runners)) await runner.dispose();
  return {
    loadAverage: { min: Math.min(...loads), max: Math.max(...loads) },
    // `layouts` (not `variants`): the field name the results files have had since decode-attention.json.
    layouts: variants.map((layout) => {
      const byContext = Object.fromEntries(
        contexts.map((c) => {
          const runs = times[layout][c]!;
          return [c, { medianMs: median(runs), minMs: Math.min(...runs), tokensPerSecond: 1000 / median(runs) }];
        }),
      );
      const first = byContext[contexts[0]!]!;
      const last = byContext[contexts.at(-1)!]!;
      return { layout, byContext, ratioMedian: last.medianMs / first.medianMs, ratioMin: last.minMs / first.minMs };
    }),
  };
}
