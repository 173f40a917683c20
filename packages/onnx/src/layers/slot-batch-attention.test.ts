import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/graph-builder.js';
import { slotPastBias, slotStepAttention } from './slot-batch-attention.js';

const [numHeads, numKvHeads, headDim, capacity] = [4, 2, 3, 5];
const lengths = [1, 3, 5]; // after the step: 0, 2 and 4 cached tokens, then the new one
const batch = lengths.length;
const floats = (count: number, seed: number) =>
  Float32Array.from({ length: count }, (_, i) => Math.sin(i * 1.7 + seed));

/** Plain float64 attention of each sequence's new token over its cached rows and itself. */
function reference(
  query: Float32Array,
  key: Float32Array,
  value: Float32Array,
  slotKey: Float32Array,
  slotValue: Float32Array,
): number[] {
  const out: number[] = [];
  const group = numHeads / numKvHeads;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < numHeads; h++) {
      const kv = Math.floor(h / group);
      const q = Array.from({ length: headDim }, (_, d) => query[(b * numHeads + h) * headDim + d]!);
      const rows: { k: number[]; v: number[] }[] = [];
      for (let t = 0; t < lengths[b]! - 1; t++) {
        const at = ((b * numKvHeads + kv) * capacity + t) * headDim;
        rows.push({ k: [...slotKey.subarray(at, at + headDim)], v: [...slotValue.subarray(at, at + headDim)] });
      }
      const own = (b * numKvHeads + kv) * headDim;
      rows.push({ k: [...key.subarray(own, own + headDim)], v: [...value.subarray(own, own + headDim)] });
      const scores = rows.map((row) => row.k.reduce((sum, x, d) => sum + x * q[d]!, 0));
      const top = Math.max(...scores);
      const weights = scores.map((s) => Math.exp(s - top));
      const total = weights.reduce((a, w) => a + w, 0);
      for (let d = 0; d < headDim; d++)
        out.push(rows.reduce((sum, row, r) => sum + (weights[r]! / total) * row.v[d]!, 0));
    }
  }
  return out;
}

describe('slotStepAttention', () => {
  it('attends each sequence over its own cached rows only, and over its new token', async () => {
    const g = new GraphBuilder({ name: 'slot_step' });
    const names = {
      query: g.input('query', 'float32', ['batch', numHeads * headDim]),
      key: g.input('key', 'float32', ['batch', numKvHeads * headDim]),
      value: g.input('value', 'float32', ['batch', numKvHeads * headDim]),
      slotKey: g.input('slot_key', 'float32', ['batch', numKvHeads, 'capacity', headDim]),
      slotValue: g.input('slot_value', 'float32', ['batch', numKvHeads, 'capacity', headDim]),
    };
    const lengthsInput = g.input('lengths', 'int32', ['batch']);
    const pastBias = slotPastBias(g, names.slotKey, lengthsInput);
    g.output(
      'out',
      'float32',
      undefined,
      slotStepAttention(g, { ...names, pastBias }, { numHeads, numKvHeads, headDim }),
    );
    const session = await ort.InferenceSession.create(g.toBytes());
    const data = {
      query: floats(batch * numHeads * headDim, 1),
      key: floats(batch * numKvHeads * headDim, 2),
      value: floats(batch * numKvHeads * headDim, 3),
      slotKey: floats(batch * numKvHeads * capacity * headDim, 4),
      slotValue: floats(batch * numKvHeads * capacity * headDim, 5),
    };
    const pool = [batch, numKvHeads, capacity, headDim];
    const { out } = await session.run({
      query: new ort.Tensor('float32', data.query, [batch, numHeads * headDim]),
      key: new ort.Tensor('float32', data.key, [batch, numKvHeads * headDim]),
      value: new ort.Tensor('float32', data.value, [batch, numKvHeads * headDim]),
      slot_key: new ort.Tensor('float32', data.slotKey, pool),
      slot_value: new ort.Tensor('float32', data.slotValue, pool),
      lengths: new ort.Tensor('int32', Int32Array.from(lengths), [batch]),
    });
    const expected = reference(data.query, data.key, data.value, data.slotKey, data.slotValue);
    const got = Array.from(out!.data as Float32Array);
    expect(got).toHaveLength(expected.length);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-5);
    await session.release();
  });
});
