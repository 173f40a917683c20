import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { cachePaddingBias, GraphBuilder, stepAttention } from '../src/index.js';

const H = 20, D = 576, layers = 4;
type V = 'step' | 'left';
function variant(g: GraphBuilder, inputs: any, v: V): string {
  if (v === 'step') return stepAttention(g, inputs, { numHeads: H, numKvHeads: 1, headDim: D });
  // cache as the left operand: [1+T, D] x [D, H] -> [1+T, H] -> [H, 1+T]
  const q = g.reshape(inputs.query, [H, D]);
  const scoresT = g.matMul(inputs.pastKey, g.transpose(q, [1, 0]));
  const past = g.add(g.transpose(scoresT, [1, 0]), inputs.paddingBias);
  const fresh = g.matMul(q, g.reshape(inputs.key, [D, 1]));
  const p = g.softmax(g.concat([past, fresh], 1), -1);
  const rows = g.shape(inputs.pastKey, { start: 0, end: 1 });
  const pp = g.slice(p, { starts: [0], ends: rows, axes: [1] });
  const np = g.slice(p, { starts: rows, ends: [2 ** 31 - 1], axes: [1] });
  const ctx = g.add(g.matMul(pp, inputs.pastValue), g.mul(np, g.reshape(inputs.value, [1, D])));
  return g.reshape(ctx, [1, H * D]);
}
function graph(v: V) {
  const g = new GraphBuilder({ name: v });
  const query = g.input('query', 'float32', [1, H * D]);
  const key = g.input('key', 'float32', [1, D]);
  let sum: string | undefined; let bias: string | undefined;
  for (let l = 0; l < layers; l++) {
    const pastKey = g.input(`past.${l}`, 'float32', ['rows', D]);
    bias ??= cachePaddingBias(g, pastKey);
    const out = variant(g, { query, key, value: key, pastKey, pastValue: pastKey, paddingBias: bias }, v);
    sum = sum ? g.add(sum, out) : out;
  }
  g.output('out', 'float32', [1, H * D], sum!);
  return g.toBytes();
}
const opts = { graphOptimizationLevel: 'all' as const, intraOpNumThreads: 2, interOpNumThreads: 1 };
const sessions = { step: await ort.InferenceSession.create(graph('step'), opts), left: await ort.InferenceSession.create(graph('left'), opts) };
const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
for (const ctx of [128, 1024, 8192]) {
  const feeds: Record<string, ort.Tensor> = { query: new ort.Tensor('float32', rnd(H * D), [1, H * D]), key: new ort.Tensor('float32', rnd(D), [1, D]) };
  for (let l = 0; l < layers; l++) feeds[`past.${l}`] = new ort.Tensor('float32', rnd((1 + ctx) * D), [1 + ctx, D]);
  const a = (await sessions.step.run(feeds)).out!.data as Float32Array;
  const b = (await sessions.left.run(feeds)).out!.data as Float32Array;
  let err = 0; for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  const t: Record<string, number[]> = { step: [], left: [] };
  for (let r = 0; r < 8; r++) for (const v of (r % 2 ? ['left', 'step'] : ['step', 'left']) as V[]) {
    for (let i = 0; i < 3; i++) { const s = performance.now(); await sessions[v].run(feeds); t[v]!.push(performance.now() - s); }
  }
  const f = (x: number[]) => `${Math.min(...x).toFixed(2)}/${[...x].sort((p, q) => p - q)[x.length >> 1]!.toFixed(2)}`;
  console.log(`ctx ${ctx}: step ${f(t.step!)} ms, left ${f(t.left!)} ms (min/median, ${layers} layers), max diff ${err.toExponential(2)}`);
}
