import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/index.js';
import {
  causalAttention,
  matmul,
  maxAbsDiff,
  randomFloats,
  rmsNorm,
  ropeCaches,
  ropeRotateHalf,
} from './helpers/reference.js';
import { f32, floats, i32, i64, runModel } from './helpers/session.js';

describe('onnxruntime contrib ops', () => {
  it('SimplifiedLayerNormalization equals a TS RMSNorm', async () => {
    const hidden = 16;
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['batch', 'seq', hidden]);
    const weight = randomFloats(hidden, 11);
    const y = g.simplifiedLayerNormalization(x, g.initializer('norm.weight', weight, [hidden]), { epsilon: 1e-6 });
    g.output('y', 'float32', ['batch', 'seq', hidden], y);
    const input = randomFloats(2 * 3 * hidden, 12, 3);
    const out = floats((await runModel(g.toBytes(), { x: f32(input, [2, 3, hidden]) })).y);
    expect(maxAbsDiff(out, rmsNorm(input, weight, hidden, 1e-6))).toBeLessThan(1e-5);
  });

  it('SkipSimplifiedLayerNormalization normalizes input + skip and returns the sum', async () => {
    const hidden = 8;
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [1, 2, hidden]);
    const residual = g.input('residual', 'float32', [1, 2, hidden]);
    const weight = randomFloats(hidden, 21);
    const { output, inputSkipBiasSum } = g.skipSimplifiedLayerNormalization(
      x,
      residual,
      g.initializer('w', weight, [hidden]),
      { epsilon: 1e-5 },
      { sum: 'next_residual' },
    );
    expect(inputSkipBiasSum).toBe('next_residual');
    g.output('y', 'float32', [1, 2, hidden], output);
    g.output('next_residual', 'float32', [1, 2, hidden]);
    const a = randomFloats(2 * hidden, 22);
    const b = randomFloats(2 * hidden, 23);
    const r = await runModel(g.toBytes(), { x: f32(a, [1, 2, hidden]), residual: f32(b, [1, 2, hidden]) });
    const sum = a.map((v, i) => v + (b[i] as number));
    expect(maxAbsDiff(floats(r.next_residual), sum)).toBeLessThan(1e-6);
    expect(maxAbsDiff(floats(r.y), rmsNorm(sum, weight, hidden, 1e-5))).toBeLessThan(1e-5);
  });

  it('RotaryEmbedding (com.microsoft) equals TS rotate-half RoPE at given position ids', async () => {
    const [batch, seq, heads, headDim, maxPositions] = [2, 3, 2, 8, 16];
    const { cos, sin } = ropeCaches(headDim, maxPositions, 10000);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['batch', 'seq', heads * headDim]);
    const positionIds = g.input('position_ids', 'int64', ['batch', 'seq']);
    const cosCache = g.initializer('cos_cache', cos, [maxPositions, headDim / 2]);
    const sinCache = g.initializer('sin_cache', sin, [maxPositions, headDim / 2]);
    g.output(
      'y',
      'float32',
      ['batch', 'seq', heads * headDim],
      g.msRotaryEmbedding(x, positionIds, cosCache, sinCache),
    );
    const input = randomFloats(batch * seq * heads * headDim, 31);
    const positions = [0, 1, 2, 5, 6, 7];
    const r = await runModel(g.toBytes(), {
      x: f32(input, [batch, seq, heads * headDim]),
      position_ids: i64(positions, [batch, seq]),
    });
    expect(maxAbsDiff(floats(r.y), ropeRotateHalf(input, positions, heads, headDim, cos, sin))).toBeLessThan(1e-5);
  });

  it('GroupQueryAttention (4 query heads, 2 KV heads) equals causal TS attention, prefill then decode', async () => {
    const [heads, kvHeads, headDim, S] = [4, 2, 8, 5];
    const q = randomFloats(S * heads * headDim, 41);
    const k = randomFloats(S * kvHeads * headDim, 42);
    const v = randomFloats(S * kvHeads * headDim, 43);
    const expected = causalAttention(q, k, v, S, heads, kvHeads, headDim);

    const g = new GraphBuilder();
    const query = g.input('query', 'float32', [1, 'seq', heads * headDim]);
    const key = g.input('key', 'float32', [1, 'seq', kvHeads * headDim]);
    const value = g.input('value', 'float32', [1, 'seq', kvHeads * headDim]);
    const pastKey = g.input('past_key', 'float32', [1, kvHeads, 'past', headDim]);
    const pastValue = g.input('past_value', 'float32', [1, kvHeads, 'past', headDim]);
    const seqlensK = g.input('seqlens_k', 'int32', [1]);
    const total = g.input('total_sequence_length', 'int32', []);
    const attention = g.scope('model.layers.0.attn', () =>
      g.groupQueryAttention(
        { query, key, value, pastKey, pastValue, seqlensK, totalSequenceLength: total },
        { numHeads: heads, kvNumHeads: kvHeads },
        { presents: { key: 'present_key', value: 'present_value' } },
      ),
    );
    expect(attention.output).toBe('model.layers.0.attn/GroupQueryAttention/output_0');
    g.output('out', 'float32', [1, 'seq', heads * headDim], attention.output);
    g.output('present_key', 'float32', [1, kvHeads, 'total', headDim]);
    g.output('present_value', 'float32', [1, kvHeads, 'total', headDim]);
    const bytes = g.toBytes();

    // Prefill the first S - 1 tokens with an empty past.
    const rowsOf = (data: Float32Array, width: number, from: number, to: number) =>
      data.slice(from * width, to * width);
    const emptyPast = f32([], [1, kvHeads, 0, headDim]);
    const prefill = await runModel(bytes, {
      query: f32(rowsOf(q, heads * headDim, 0, S - 1), [1, S - 1, heads * headDim]),
      key: f32(rowsOf(k, kvHeads * headDim, 0, S - 1), [1, S - 1, kvHeads * headDim]),
      value: f32(rowsOf(v, kvHeads * headDim, 0, S - 1), [1, S - 1, kvHeads * headDim]),
      past_key: emptyPast,
      past_value: emptyPast,
      seqlens_k: i32([S - 2], [1]),
      total_sequence_length: i32([S - 1], []),
    });
    expect(maxAbsDiff(floats(prefill.out), rowsOf(expected, heads * headDim, 0, S - 1))).toBeLessThan(1e-5);
    // Presents are BNSH: [1, kvHeads, S - 1, headDim].
    const presentKey = floats(prefill.present_key);
    expect(prefill.present_key?.dims).toEqual([1, kvHeads, S - 1, headDim]);
    expect(presentKey[1 * (S - 1) * headDim + 2 * headDim + 3]).toBeCloseTo(
      k[(2 * kvHeads + 1) * headDim + 3] as number,
      6,
    );

    // Decode the last token against the presents.
    const decode = await runModel(bytes, {
      query: f32(rowsOf(q, heads * headDim, S - 1, S), [1, 1, heads * headDim]),
      key: f32(rowsOf(k, kvHeads * headDim, S - 1, S), [1, 1, kvHeads * headDim]),
      value: f32(rowsOf(v, kvHeads * headDim, S - 1, S), [1, 1, kvHeads * headDim]),
      past_key: f32(presentKey, [1, kvHeads, S - 1, headDim]),
      past_value: f32(floats(prefill.present_value), [1, kvHeads, S - 1, headDim]),
      seqlens_k: i32([S - 1], [1]),
      total_sequence_length: i32([S], []),
    });
    expect(maxAbsDiff(floats(decode.out), rowsOf(expected, heads * headDim, S - 1, S))).toBeLessThan(1e-5);
  });

  it('FusedMatMul computes alpha · A × Bᵀ', async () => {
    const g = new GraphBuilder();
    const a = g.input('a', 'float32', [2, 3]);
    const bValues = randomFloats(12, 51);
    g.output(
      'y',
      'float32',
      [2, 4],
      g.fusedMatMul(a, g.initializer('b', bValues, [4, 3]), { alpha: 0.5, transB: true }),
    );
    const aValues = randomFloats(6, 52);
    const transposed = new Float32Array(12);
    for (let n = 0; n < 4; n++) for (let k = 0; k < 3; k++) transposed[k * 4 + n] = bValues[n * 3 + k] as number;
    const out = floats((await runModel(g.toBytes(), { a: f32(aValues, [2, 3]) })).y);
    expect(
      maxAbsDiff(
        out,
        matmul(aValues, transposed, 2, 3, 4).map((x) => x * 0.5),
      ),
    ).toBeLessThan(1e-6);
  });
});
