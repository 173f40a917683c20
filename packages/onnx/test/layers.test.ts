import { describe, expect, it } from 'vitest';
import {
  addRotaryCaches,
  DecoderWeights,
  GraphBuilder,
  gatedMlpAt,
  mixtureOfExperts,
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

  /** An in-memory weight source. */
  const sourceOf = (tensors: Record<string, Float32Array>) => ({
    has: (name: string) => name in tensors,
    read: async (name: string) => tensors[name]!,
  });

  it('gatedMlpAt with float weights equals down(SiLU(gate(x)) · up(x)), gate and up fused into one Gemm', async () => {
    const [rows, hidden, inter] = [3, 16, 40];
    const gate = randomFloats(inter * hidden, 111, 0.3);
    const up = randomFloats(inter * hidden, 112, 0.3);
    const down = randomFloats(hidden * inter, 113, 0.3);
    const prefix = 'model.layers.0.mlp';
    const weights = new DecoderWeights(
      sourceOf({ [`${prefix}.gate_proj.weight`]: gate, [`${prefix}.up_proj.weight`]: up, [`${prefix}.down_proj.weight`]: down }),
      { kind: 'float32' },
    );
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['tokens', hidden]);
    g.output('y', 'float32', ['tokens', hidden], await gatedMlpAt(g, weights, x, prefix, { hiddenSize: hidden, intermediateSize: inter }));
    expect(g.contents().initializers.map((i) => i.name).filter((name) => !name.startsWith('const.'))).toEqual([
      'model.layers.0.mlp.gate_up_proj.weight',
      'model.layers.0.mlp.down_proj.weight',
    ]);
    expect(weights.parameters).toBe(3 * inter * hidden);
    const input = randomFloats(rows * hidden, 114);
    const out = floats((await runModel(g.toBytes(), { x: f32(input, [rows, hidden]) })).y);
    expect(maxAbsDiff(out, referenceMlp(input, rows, hidden, inter, gate, up, down))).toBeLessThan(1e-5);
  });

  it('gatedMlpAt with 4-bit weights (accuracy level 0) equals the TS MLP on the dequantized weights', async () => {
    const [rows, hidden, inter] = [2, 32, 64];
    const format = { kind: 'nbits', bits: 4, blockSize: 32, accuracyLevel: 0 } as const;
    const gate = randomFloats(inter * hidden, 121, 0.3);
    const up = randomFloats(inter * hidden, 122, 0.3);
    const down = randomFloats(hidden * inter, 123, 0.3);
    const weights = new DecoderWeights(
      sourceOf({ 'mlp.gate_proj.weight': gate, 'mlp.up_proj.weight': up, 'mlp.down_proj.weight': down }),
      format,
    );
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['tokens', hidden]);
    g.output('y', 'float32', ['tokens', hidden], await gatedMlpAt(g, weights, x, 'mlp', { hiddenSize: hidden, intermediateSize: inter }));
    const input = randomFloats(rows * hidden, 124);
    const out = floats((await runModel(g.toBytes(), { x: f32(input, [rows, hidden]) })).y);
    // The fused gate/up is quantized as one [2I, H] weight: rows quantize independently, so split its dequantized form.
    const fused = quantizeLinearNBits(Float32Array.of(...gate, ...up), 2 * inter, hidden, format);
    const fusedOut = transpose(fused.dequantized, fused.K, fused.N);
    const q = quantizeLinearNBits(down, hidden, inter, format);
    const expected = referenceMlp(
      input,
      rows,
      hidden,
      inter,
      fusedOut.subarray(0, inter * hidden),
      fusedOut.subarray(inter * hidden),
      transpose(q.dequantized, q.K, q.N),
    );
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-4);
  });

  for (const normalize of [true, false]) {
    it(`mixtureOfExperts routes each token to its top-k experts (softmax, normalize ${normalize}) and equals a TS mixture, for one row and many`, async () => {
      const [hidden, inter, experts, topK] = [16, 24, 5, 2];
      const tensors: Record<string, Float32Array> = { 'model.layers.0.mlp.gate.weight': randomFloats(experts * hidden, 130, 1) };
      for (let e = 0; e < experts; e++) {
        const p = `model.layers.0.mlp.experts.${e}`;
        tensors[`${p}.gate_proj.weight`] = randomFloats(inter * hidden, 131 + 3 * e, 0.3);
        tensors[`${p}.up_proj.weight`] = randomFloats(inter * hidden, 132 + 3 * e, 0.3);
        tensors[`${p}.down_proj.weight`] = randomFloats(hidden * inter, 133 + 3 * e, 0.3);
      }
      const weights = new DecoderWeights(sourceOf(tensors), { kind: 'float32' });
      const g = new GraphBuilder();
      const x = g.input('x', 'float32', ['tokens', hidden]);
      const block = mixtureOfExperts({ numExperts: experts, expertWidth: inter, topK, normalizeTopK: normalize });
      const options = { hiddenSize: hidden } as Parameters<typeof block>[0]['options'];
      g.output('y', 'float32', ['tokens', hidden], await block({ g, weights, options, io: undefined as never, layer: 0, prefix: 'model.layers.0' }, x));
      expect(g.contents().nodes.filter((node) => node.opType === 'If')).toHaveLength(experts);
      const bytes = g.toBytes();
      for (const rows of [1, 7]) {
        const input = randomFloats(rows * hidden, 140 + rows, 1);
        const out = floats((await runModel(bytes, { x: f32(input, [rows, hidden]) })).y);
        const expected = new Float32Array(rows * hidden);
        const logits = matmul(input, transpose(tensors['model.layers.0.mlp.gate.weight']!, experts, hidden), rows, hidden, experts);
        for (let r = 0; r < rows; r++) {
          const row = Array.from(logits.subarray(r * experts, (r + 1) * experts));
          const max = Math.max(...row);
          const exp = row.map((v) => Math.exp(v - max));
          const total = exp.reduce((a, b) => a + b, 0);
          const probs = exp.map((v) => v / total);
          const chosen = probs.map((p, e) => [p, e] as const).sort((a, b) => b[0] - a[0]).slice(0, topK);
          const sum = chosen.reduce((a, [p]) => a + p, 0);
          for (const [p, e] of chosen) {
            const w = normalize ? p / sum : p;
            const pre = `model.layers.0.mlp.experts.${e}`;
            const y = referenceMlp(input.subarray(r * hidden, (r + 1) * hidden), 1, hidden, inter, tensors[`${pre}.gate_proj.weight`]!, tensors[`${pre}.up_proj.weight`]!, tensors[`${pre}.down_proj.weight`]!);
            for (let h = 0; h < hidden; h++) expected[r * hidden + h]! += w * y[h]!;
          }
        }
        expect(maxAbsDiff(out, expected), `${rows} rows`).toBeLessThan(1e-5);
      }
    });
  }

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
