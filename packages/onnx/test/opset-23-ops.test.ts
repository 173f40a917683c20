import { describe, expect, it } from 'vitest';
import { GraphBuilder, GraphError } from '../src/index.js';
import { causalAttention, maxAbsDiff, randomFloats, rmsNorm, ropeCaches, ropeRotateHalf } from './helpers/reference.js';
import { f32, floats, i64, runModel } from './helpers/session.js';

describe('ONNX opset-23 ops in onnxruntime', () => {
  it('RMSNormalization equals a TS RMSNorm', async () => {
    const hidden = 12;
    const g = new GraphBuilder({ opset: 23 });
    const x = g.input('x', 'float32', ['batch', hidden]);
    const weight = randomFloats(hidden, 81);
    g.output(
      'y',
      'float32',
      ['batch', hidden],
      g.rmsNormalization(x, g.initializer('w', weight, [hidden]), { epsilon: 1e-6 }),
    );
    const input = randomFloats(3 * hidden, 82);
    const out = floats((await runModel(g.toBytes(), { x: f32(input, [3, hidden]) })).y);
    expect(maxAbsDiff(out, rmsNorm(input, weight, hidden, 1e-6))).toBeLessThan(1e-5);
  });

  it('RotaryEmbedding (3-D input with num_heads) equals TS rotate-half RoPE', async () => {
    const [seq, heads, headDim, maxPositions] = [4, 2, 8, 8];
    const { cos, sin } = ropeCaches(headDim, maxPositions, 10000);
    const g = new GraphBuilder({ opset: 23 });
    const x = g.input('x', 'float32', [1, 'seq', heads * headDim]);
    const positionIds = g.input('position_ids', 'int64', [1, 'seq']);
    const y = g.rotaryEmbedding(
      x,
      g.initializer('cos_cache', cos, [maxPositions, headDim / 2]),
      g.initializer('sin_cache', sin, [maxPositions, headDim / 2]),
      { positionIds, numHeads: heads },
    );
    g.output('y', 'float32', [1, 'seq', heads * headDim], y);
    const input = randomFloats(seq * heads * headDim, 83);
    const positions = [3, 4, 5, 6];
    const r = await runModel(g.toBytes(), {
      x: f32(input, [1, seq, heads * headDim]),
      position_ids: i64(positions, [1, seq]),
    });
    expect(maxAbsDiff(floats(r.y), ropeRotateHalf(input, positions, heads, headDim, cos, sin))).toBeLessThan(1e-5);
  });

  it('Attention with grouped K/V heads and is_causal equals causal TS attention', async () => {
    const [heads, kvHeads, headDim, S] = [4, 2, 8, 5];
    const q = randomFloats(S * heads * headDim, 84);
    const k = randomFloats(S * kvHeads * headDim, 85);
    const v = randomFloats(S * kvHeads * headDim, 86);
    const g = new GraphBuilder({ opset: 23 });
    const query = g.input('q', 'float32', [1, 'seq', heads * headDim]);
    const key = g.input('k', 'float32', [1, 'seq', kvHeads * headDim]);
    const value = g.input('v', 'float32', [1, 'seq', kvHeads * headDim]);
    const { output, presentKey } = g.attention(
      { query, key, value },
      { qNumHeads: heads, kvNumHeads: kvHeads, isCausal: true },
      { presents: false },
    );
    expect(presentKey).toBe('');
    g.output('out', 'float32', [1, 'seq', heads * headDim], output);
    const r = await runModel(g.toBytes(), {
      q: f32(q, [1, S, heads * headDim]),
      k: f32(k, [1, S, kvHeads * headDim]),
      v: f32(v, [1, S, kvHeads * headDim]),
    });
    expect(maxAbsDiff(floats(r.out), causalAttention(q, k, v, S, heads, kvHeads, headDim))).toBeLessThan(1e-5);
  });

  it('refuses opset-23 ops in a graph importing an older opset', () => {
    const g = new GraphBuilder({ opset: 21 });
    const x = g.input('x', 'float32', [2]);
    expect(() => g.rmsNormalization(x, x)).toThrow(GraphError);
    try {
      g.attention({ query: x, key: x, value: x });
    } catch (error) {
      expect(GraphError.isInstance(error) && error.issues[0]?.problem).toBe('unsupported-opset');
      expect((error as Error).message).toContain('Attention needs default-domain opset 23');
    }
  });
});
