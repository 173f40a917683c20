/**
 * `pnpm bench:attention`: the decode graph's attention alone, each layout of
 * `cachedAttention` (`'grouped'`, `'block-diagonal'`) and the one-token
 * `stepAttention` (`'step'`, the switch graph's step branch), one new token
 * over random caches of 128, 512 and 1536 tokens, summed over a model's
 * layers: SmolLM2-135M (9 heads, 3 K/V heads of 64, 30 layers), Llama-3.2-1B
 * (32 heads, 8 K/V heads of 64, 16 layers) and Qwen3-0.6B (16 heads, 8 K/V
 * heads of 128, 28 layers). fp32, 2 threads; the variants' sessions
 * alternate in blocks (min and median). Writes
 * benchmarks/results/cached-attention.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import {
  type CachedAttentionLayout,
  type CachedAttentionShape,
  cachedAttention,
  cachePaddingBias,
  GraphBuilder,
  stepAttention,
} from '../src/index.js';

const models: Record<string, CachedAttentionShape & { layers: number }> = {
  'smollm2-135m': { numHeads: 9, numKvHeads: 3, headDim: 64, layers: 30 },
  'llama-3.2-1b': { numHeads: 32, numKvHeads: 8, headDim: 64, layers: 16 },
  'qwen3-0.6b': { numHeads: 16, numKvHeads: 8, headDim: 128, layers: 28 },
};
type Variant = CachedAttentionLayout | 'step';
const layouts: Variant[] = ['grouped', 'block-diagonal', 'step'];
const contexts = [128, 512, 1536];
const rounds = 12;
const runsPerBlock = 5;

/** One attention per layer, each over its own cache inputs, outputs summed. */
function attentionGraph(model: CachedAttentionShape & { layers: number }, layout: Variant): Uint8Array {
  const g = new GraphBuilder({ name: `attention-${layout}` });
  const rowSize = model.numKvHeads * model.headDim;
  const query = g.input('query', 'float32', ['new_tokens', model.numHeads * model.headDim]);
  const key = g.input('key', 'float32', ['new_tokens', rowSize]);
  const value = g.input('value', 'float32', ['new_tokens', rowSize]);
  let sum: string | undefined;
  let paddingBias: string | undefined;
  for (let layer = 0; layer < model.layers; layer++) {
    const pastKey = g.input(`past_key.${layer}`, 'float32', ['past_rows', rowSize]);
    const pastValue = g.input(`past_value.${layer}`, 'float32', ['past_rows', rowSize]);
    paddingBias ??= cachePaddingBias(g, pastKey);
    const inputs = { query, key, value, pastKey, pastValue };
    const out =
      layout === 'step'
        ? stepAttention(g, { ...inputs, paddingBias }, model)
        : cachedAttention(g, inputs, model, layout);
    sum = sum ? g.add(sum, out) : out;
  }
  g.output('out', 'float32', ['new_tokens', model.numHeads * model.headDim], sum!);
  return g.toBytes();
}

const random = (length: number) => Float32Array.from({ length }, () => Math.random() - 0.5);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const results = [];
const loads: number[] = [];
for (const [name, model] of Object.entries(models)) {
  const rowSize = model.numKvHeads * model.headDim;
  const sessions = new Map<Variant, ort.InferenceSession>();
  for (const layout of layouts) {
    sessions.set(
      layout,
      await ort.InferenceSession.create(attentionGraph(model, layout), {
        graphOptimizationLevel: 'all',
        intraOpNumThreads: 2,
        interOpNumThreads: 1,
        extra: { session: { intra_op: { allow_spinning: '1' } } },
      }),
    );
  }
  const caches = Array.from({ length: model.layers }, () => [
    random((1 + contexts.at(-1)!) * rowSize),
    random((1 + contexts.at(-1)!) * rowSize),
  ]);
  for (const context of contexts) {
    const rows = 1 + context;
    const feeds: Record<string, ort.Tensor> = {
      query: new ort.Tensor('float32', random(model.numHeads * model.headDim), [1, model.numHeads * model.headDim]),
      key: new ort.Tensor('float32', random(rowSize), [1, rowSize]),
      value: new ort.Tensor('float32', random(rowSize), [1, rowSize]),
    };
    for (let layer = 0; layer < model.layers; layer++) {
      feeds[`past_key.${layer}`] = new ort.Tensor('float32', caches[layer]![0]!.subarray(0, rows * rowSize), [
        rows,
        rowSize,
      ]);
      feeds[`past_value.${layer}`] = new ort.Tensor('float32', caches[layer]![1]!.subarray(0, rows * rowSize), [
        rows,
        rowSize,
      ]);
    }
    const times = new Map<Variant, number[]>(layouts.map((layout) => [layout, []]));
    for (const session of sessions.values()) for (let i = 0; i < 3; i++) await session.run(feeds);
    for (let round = 0; round < rounds; round++) {
      loads.push(loadavg()[0]!);
      for (const layout of round % 2 ? [...layouts].reverse() : layouts) {
        // Let the other session's spinning threads go idle.
        await new Promise((resolve) => setTimeout(resolve, 20));
        for (let run = 0; run < runsPerBlock; run++) {
          const started = performance.now();
          await sessions.get(layout)!.run(feeds);
          times.get(layout)!.push(performance.now() - started);
        }
      }
    }
    for (const [layout, runs] of times) {
      const row = { model: name, layout, context, medianMs: median(runs), minMs: Math.min(...runs) };
      results.push(row);
      process.stderr.write(
        `${name} ${layout} context ${context}: median ${row.medianMs.toFixed(2)} / min ${row.minMs.toFixed(2)} ms\n`,
      );
    }
  }
  for (const session of sessions.values()) await session.release();
}
process.stderr.write(`load average ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}\n`);
const resultsDir = join(dirname(dirname(fileURLToPath(import.meta.url))), 'benchmarks', 'results');
await mkdir(resultsDir, { recursive: true });
await writeFile(
  join(resultsDir, 'cached-attention.json'),
  `${JSON.stringify({ date: new Date().toISOString(), loadAverage: { min: Math.min(...loads), max: Math.max(...loads) }, results }, null, 2)}\n`,
);
