import { describe, expect, it } from 'vitest';
import {
  GraphBuilder,
  type NBitsOptions,
  type PrequantizedLinear,
  quantizeLinearNBits,
  quantizeMatMulNBits,
  stackPrequantized,
} from '../src/index.js';
import { matmul, maxAbsDiff, randomFloats } from './helpers/reference.js';
import { f32, floats, i64, runModel } from './helpers/session.js';

describe('MatMulNBits in onnxruntime', () => {
  const [M, K, N] = [3, 80, 24];
  const weight = randomFloats(K * N, 61, 0.5);
  const input = randomFloats(M * K, 62);

  const cases: NBitsOptions[] = [
    { bits: 4, blockSize: 32 },
    { bits: 4, blockSize: 32, symmetric: true },
    { bits: 8, blockSize: 32 },
    { bits: 8, blockSize: 32, symmetric: true },
    { bits: 4, blockSize: 16 },
  ];
  for (const options of cases) {
    const label = `${options.bits}-bit, block ${options.blockSize}, ${options.symmetric ? 'symmetric' : 'with zero points'}`;
    it(`${label}: equals MatMul on the dequantized weight (accuracy_level 0)`, async () => {
      const quantized = quantizeMatMulNBits(weight, K, N, options);
      const g = new GraphBuilder();
      const x = g.input('x', 'float32', ['batch', K]);
      const y = g.scope('model.layers.0.mlp', () => g.quantizedMatMul(x, 'down_proj', quantized));
      g.output('y', 'float32', ['batch', N], y);
      g.output(
        'reference',
        'float32',
        ['batch', N],
        g.matMul(x, g.initializer('dequantized', quantized.dequantized, [K, N])),
      );
      const r = await runModel(g.toBytes(), { x: f32(input, [M, K]) });
      expect(maxAbsDiff(floats(r.y), floats(r.reference))).toBeLessThan(1e-4);
      expect(maxAbsDiff(floats(r.y), matmul(input, quantized.dequantized, M, K, N))).toBeLessThan(1e-4);
      // And close to the unquantized product, as coarse as the bit width allows.
      const error = maxAbsDiff(floats(r.y), matmul(input, weight, M, K, N));
      expect(error).toBeLessThan(options.bits === 4 ? 0.5 : 0.03);
    });
  }

  it('subtracts block minimums exactly (a GGUF Q4_K), sharing the block sums of one input, on any rank', async () => {
    const K2 = 96;
    const input2 = randomFloats(M * K2, 63);
    // Stored weights (q − 0)·scale − min per block of 32; parts stacked by rows, one scaled by 0.5.
    const withMins = (rows: number, seed: number): PrequantizedLinear => {
      const q = quantizeLinearNBits(randomFloats(rows * K2, seed, 0.5), rows, K2, { bits: 4, blockSize: 32 });
      return {
        N: rows,
        K: K2,
        bits: 4,
        blockSize: 32,
        packed: q.packed,
        scales: q.scales,
        zeroPoints: new Uint8Array(q.zeroPoints!.length),
        blockMins: randomFloats(rows * (K2 / 32), seed + 1, 0.3),
      };
    };
    const first = stackPrequantized([{ weight: withMins(10, 71) }, { weight: withMins(14, 73), scale: 0.5 }]);
    const second = stackPrequantized([{ weight: withMins(N, 75) }]);
    expect(first.blockMins).toHaveLength(N * first.kBlocks);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['batch', 'seq', K2]);
    g.output('y1', 'float32', ['batch', 'seq', N], g.quantizedMatMul(x, 'qkv_proj', first));
    g.output('y2', 'float32', ['batch', 'seq', N], g.quantizedMatMul(x, 'gate_proj', second));
    expect(g.contents().nodes.filter((node) => node.opType === 'ReduceSum')).toHaveLength(1);
    const r = await runModel(g.toBytes(), { x: f32(input2, [1, M, K2]) });
    for (const [output, weight] of [
      ['y1', first],
      ['y2', second],
    ] as const) {
      // What the stored weights are: (q − zero)·scale − min, the part's scale applied.
      expect(maxAbsDiff(floats(r[output]!), matmul(input2, weight.dequantized, M, K2, N)), output).toBeLessThan(1e-4);
    }
    // The minimums matter: the product without them is far off.
    const plain = stackPrequantized([{ weight: { ...withMins(N, 75), blockMins: undefined } }]);
    expect(maxAbsDiff(matmul(input2, plain.dequantized, M, K2, N), floats(r.y2!))).toBeGreaterThan(0.3);
  });

  it('takes Hugging Face Linear weights [N, K] without a transpose', async () => {
    const linear = new Float32Array(N * K);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) linear[n * K + k] = weight[k * N + n] as number;
    const fromLinear = quantizeLinearNBits(linear, N, K, { bits: 4, blockSize: 32 });
    const fromMatMul = quantizeMatMulNBits(weight, K, N, { bits: 4, blockSize: 32 });
    expect(fromLinear.packed).toEqual(fromMatMul.packed);
    expect(fromLinear.dequantized).toEqual(fromMatMul.dequantized);
  });

  it('GatherBlockQuantized looks up a 4-bit embedding from the same bytes as a tied MatMulNBits head', async () => {
    const [vocab, hidden] = [10, 64];
    const table = randomFloats(vocab * hidden, 71);
    for (const symmetric of [true, false]) {
      const quantized = quantizeLinearNBits(table, vocab, hidden, { bits: 4, blockSize: 32, symmetric });
      const g = new GraphBuilder();
      const ids = g.input('input_ids', 'int64', [1, 'seq']);
      g.output('embeds', 'float32', [1, 'seq', hidden], g.quantizedGather(ids, 'embed_tokens', quantized));
      const r = await runModel(g.toBytes(), { input_ids: i64([7, 0, 3], [1, 3]) });
      // dequantized is [K, N] = [hidden, vocab]: row `id` of the table is column `id`.
      const expected = [7, 0, 3].flatMap((id) =>
        Array.from({ length: hidden }, (_, h) => quantized.dequantized[h * vocab + id] as number),
      );
      expect(maxAbsDiff(floats(r.embeds), expected)).toBeLessThan(1e-6);
    }
  });
});
