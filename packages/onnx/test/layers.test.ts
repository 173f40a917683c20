import { describe, expect, it } from 'vitest';
import {
  addRotaryCaches,
  GraphBuilder,
  llamaMlp,
  quantizeLinearNBits,
  type RmsNormImplementation,
  rmsNorm,
  rotaryCaches,
} from '../src/index.js';
import {
  matmul,
  maxAbsDiff,
  randomFloats,
  rmsNorm as referenceRmsNorm,
  ropeCaches,
  ropeRotateHalf,
} from './helpers/reference.js';
import { f32, floats, i64, runModel } from './helpers/session.js';

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c] as number;
  return out;
}

/** down(SiLU(gate(x)) · up(x)) with Hugging Face [out, in] weights. */
function referenceMlp(
  x: Float32Array,
  rows: number,
  hidden: number,
  inter: number,
  gate: Float32Array,
  up: Float32Array,
  down: Float32Array,
) {
  const g = matmul(x, transpose(gate, inter, hidden), rows, hidden, inter);
  const u = matmul(x, transpose(up, inter, hidden), rows, hidden, inter);
  const act = g.map((v, i) => (v / (1 + Math.exp(-v))) * (u[i] as number));
  return matmul(act, transpose(down, hidden, inter), rows, inter, hidden);
}

describe('layers over GraphBuilder', () => {
  for (const implementation of ['contrib', 'onnx', 'decomposed'] as RmsNormImplementation[]) {
    it(`rmsNorm (${implementation}) equals a TS RMSNorm`, async () => {
      const hidden = 16;
      const g = new GraphBuilder({ opset: implementation === 'onnx' ? 23 : 21 });
      const x = g.input('x', 'float32', ['tokens', hidden]);
      const weight = randomFloats(hidden, 101);
      const y = g.scope('model.norm', () => rmsNorm(g, x, weight, { epsilon: 1e-6, implementation }));
      g.output('y', 'float32', ['tokens', hidden], y);
      expect(g.contents().initializers[0]?.name).toBe('model.norm.weight');
      const input = randomFloats(4 * hidden, 102, 2);
      const out = floats((await runModel(g.toBytes(), { x: f32(input, [4, hidden]) })).y);
      expect(maxAbsDiff(out, referenceRmsNorm(input, weight, hidden, 1e-6))).toBeLessThan(1e-5);
    });
  }

  it('llamaMlp with float weights equals down(SiLU(gate(x)) · up(x))', async () => {
    const [rows, hidden, inter] = [3, 16, 40];
    const gate = randomFloats(inter * hidden, 111, 0.3);
    const up = randomFloats(inter * hidden, 112, 0.3);
    const down = randomFloats(hidden * inter, 113, 0.3);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['tokens', hidden]);
    const y = g.scope('model.layers.0.mlp', () =>
      llamaMlp(g, x, {
        gate: { weight: gate, inFeatures: hidden, outFeatures: inter },
        up: { weight: up, inFeatures: hidden, outFeatures: inter },
        down: { weight: down, inFeatures: inter, outFeatures: hidden },
      }),
    );
    g.output('y', 'float32', ['tokens', hidden], y);
    expect(g.contents().initializers.map((i) => i.name)).toEqual([
      'model.layers.0.mlp.gate_proj.weight',
      'model.layers.0.mlp.up_proj.weight',
      'model.layers.0.mlp.down_proj.weight',
    ]);
    const input = randomFloats(rows * hidden, 114);
    const out = floats((await runModel(g.toBytes(), { x: f32(input, [rows, hidden]) })).y);
    expect(maxAbsDiff(out, referenceMlp(input, rows, hidden, inter, gate, up, down))).toBeLessThan(1e-5);
  });

  it('llamaMlp with 4-bit weights equals the TS MLP on the dequantized weights', async () => {
    const [rows, hidden, inter] = [2, 32, 64];
    const options = { bits: 4, blockSize: 32 } as const;
    const gate = quantizeLinearNBits(randomFloats(inter * hidden, 121, 0.3), inter, hidden, options);
    const up = quantizeLinearNBits(randomFloats(inter * hidden, 122, 0.3), inter, hidden, options);
    const down = quantizeLinearNBits(randomFloats(hidden * inter, 123, 0.3), hidden, inter, options);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['tokens', hidden]);
    g.output('y', 'float32', ['tokens', hidden], llamaMlp(g, x, { gate, up, down }));
    const input = randomFloats(rows * hidden, 124);
    const out = floats((await runModel(g.toBytes(), { x: f32(input, [rows, hidden]) })).y);
    // dequantized is [K, N]: transpose back to the [out, in] layout the reference takes.
    const asLinear = (q: typeof gate) => transpose(q.dequantized, q.K, q.N);
    const expected = referenceMlp(input, rows, hidden, inter, asLinear(gate), asLinear(up), asLinear(down));
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-4);
  });

  it('rotaryCaches feed com.microsoft RotaryEmbedding, full and partial rotary', async () => {
    const [seq, heads, headDim, maxPositions] = [3, 2, 16, 12];
    const full = rotaryCaches({ headDim, maxPositions, theta: 10000 });
    const reference = ropeCaches(headDim, maxPositions, 10000);
    expect(maxAbsDiff(full.cos, reference.cos)).toBeLessThan(1e-6);
    const partial = rotaryCaches({ headDim, maxPositions, theta: 10000, partialRotaryFactor: 0.5 });

    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [1, 'seq', heads * headDim]);
    const positionIds = g.input('position_ids', 'int64', [1, 'seq']);
    const fullNames = addRotaryCaches(g, full);
    const partialNames = addRotaryCaches(g, partial, { cos: 'partial.cos', sin: 'partial.sin' });
    g.output('full', 'float32', undefined, g.msRotaryEmbedding(x, positionIds, fullNames.cos, fullNames.sin));
    const rotatedPart = g.msRotaryEmbedding(x, positionIds, partialNames.cos, partialNames.sin, {
      numHeads: heads,
      rotaryEmbeddingDim: partial.rotaryDim,
    });
    g.output('partial', 'float32', undefined, rotatedPart);

    const input = randomFloats(seq * heads * headDim, 131);
    const positions = [4, 5, 6];
    const r = await runModel(g.toBytes(), {
      x: f32(input, [1, seq, heads * headDim]),
      position_ids: i64(positions, [1, seq]),
    });
    expect(
      maxAbsDiff(floats(r.full), ropeRotateHalf(input, positions, heads, headDim, full.cos, full.sin)),
    ).toBeLessThan(1e-5);

    // Partial: the first rotaryDim values of each head rotate, the rest pass through.
    const rotaryDim = partial.rotaryDim;
    const expected = Float32Array.from(input);
    for (let t = 0; t < seq; t++) {
      for (let h = 0; h < heads; h++) {
        const base = (t * heads + h) * headDim;
        const part = ropeRotateHalf(
          input.subarray(base, base + rotaryDim),
          [positions[t] as number],
          1,
          rotaryDim,
          partial.cos,
          partial.sin,
        );
        expected.set(part, base);
      }
    }
    expect(maxAbsDiff(floats(r.partial), expected)).toBeLessThan(1e-5);
  });
});
