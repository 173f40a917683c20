// Can ggml blocks run as MatMulNBits without going through float32? For one [N x K] matrix quantized by
// @pio/gguf, times MatMulNBits (2 threads) for 1 row (a decode step) and 128 rows (a prompt) at accuracy
// levels 0 and 4, and reports the largest error against a float64 product with ggml's dequantized weights:
//   Q4_0 / Q8_0 -> 4/8-bit, block 32, default zero points (bytes rearranged by ggmlToMatMulNBits)
//   Q6_K        -> 8-bit, block 16
//   Q4_K        -> 4-bit, block 32, zero points 0, minus block sums of A times the block minimums (a MatMul)
//   Q4_K float  -> 4-bit, block 32, float zero points dmin·m / (d·sc) (the op's float zero_points input)
// TYPES=Q4_K,Q6_K keeps those. ALL_TYPES=1 adds Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q5_K on random blocks (no quantizer for them here).
// Rounds alternate the variants (the machine is shared). Run: pnpm --filter @pio/gguf bench:k-quants
import { performance } from 'node:perf_hooks';
import {
  dequantizeGgml,
  type GgmlTypeName,
  ggmlToMatMulNBits,
  quantizeQ4_0,
  quantizeQ4_K,
  quantizeQ6_K,
  quantizeQ8_0,
} from '@pio/gguf';
import { GraphBuilder } from '@pio/onnx';
import * as ort from 'onnxruntime-node';

const [N, K] = [Number(process.env.N ?? 2048), Number(process.env.K ?? 2048)];
const rounds = Number(process.env.ROUNDS ?? 3);
let seed = 7;
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32 - 0.5;
};
const weight = Float32Array.from({ length: N * K }, random);

interface Variant {
  label: string;
  build: (level: 0 | 4) => Uint8Array;
  reference: Float32Array; // ggml's dequantized [N, K]
}

function variant(type: GgmlTypeName, bytes: Uint8Array, floatZeroPoints = false): Variant {
  const m = ggmlToMatMulNBits({ type, shape: [N, K], bytes });
  const kBlocks = K / m.blockSize;
  const build = (level: 0 | 4) => {
    const g = new GraphBuilder({ name: 'bench' });
    const x = g.input('x', 'float32', ['rows', K]);
    const b = g.initializer('b', m.packed, [N, kBlocks, (m.blockSize * m.bits) / 8]);
    const scales = g.initializer('scales', m.scales, [N, kBlocks]);
    let y: string;
    if (floatZeroPoints && m.blockMins) {
      // x = scale·q − min = scale·(q − min / scale): float zero points (same type as the scales).
      const zero = new Float32Array(N * kBlocks);
      for (let n = 0; n < N; n++)
        for (let k = 0; k < kBlocks; k++) {
          const s = m.scales[n * kBlocks + k]!;
          zero[n * kBlocks + k] = s ? Math.fround(m.blockMins[n * kBlocks + k]! / s) : 0;
        }
      const zeroPoints = g.initializer('zero', zero, [N, kBlocks]);
      y = g.matMulNBits(
        x,
        { b, scales, zeroPoints },
        { K, N, bits: m.bits, blockSize: m.blockSize, accuracyLevel: level },
      );
    } else {
      const zeroPoints = m.zeroPoints
        ? g.initializer('zero', m.zeroPoints, [N, Math.ceil((kBlocks * m.bits) / 8)])
        : undefined;
      y = g.matMulNBits(
        x,
        { b, scales, zeroPoints },
        { K, N, bits: m.bits, blockSize: m.blockSize, accuracyLevel: level },
      );
      if (m.blockMins) {
        const mins = g.initializer('mins', m.blockMins, [N, kBlocks]);
        y = g.subtractBlockMins(x, y, mins, { K, blockSize: m.blockSize }, { name: 'mins' });
      }
    }
    g.output('y', 'float32', ['rows', N], y);
    return g.toBytes();
  };
  const label = `${type}${floatZeroPoints ? ' float zero points' : m.blockMins ? ' + block minimums' : ''} (${m.bits}-bit, block ${m.blockSize})`;
  return { label, build, reference: dequantizeGgml(type, bytes) };
}

/** Random blocks of a type PIO has no quantizer for: random bytes with fp16 scales of about 1/64 at `halves`. */
function randomBlocks(stride: number, superBlock: number, halves: number[]): Uint8Array {
  const bytes = Uint8Array.from({ length: ((N * K) / superBlock) * stride }, () => Math.floor((random() + 0.5) * 256));
  for (let at = 0; at < bytes.length; at += stride)
    for (const h of halves) {
      bytes[at + h] = bytes[at + h]! & 0xff;
      bytes[at + h + 1] = 0x24 + (bytes[at + h + 1]! & 0x03);
    }
  return bytes;
}

const q4k = quantizeQ4_K(weight);
const allVariants = [
  variant('Q4_0', quantizeQ4_0(weight)),
  variant('Q8_0', quantizeQ8_0(weight)),
  variant('Q6_K', quantizeQ6_K(weight)),
  variant('Q4_K', q4k),
  variant('Q4_K', q4k, true),
  ...(process.env.ALL_TYPES
    ? [
        variant('Q4_1', randomBlocks(20, 32, [0, 2])),
        variant('Q5_0', randomBlocks(22, 32, [0])),
        variant('Q5_1', randomBlocks(24, 32, [0, 2])),
        variant('Q2_K', randomBlocks(84, 256, [80, 82])),
        variant('Q3_K', randomBlocks(110, 256, [108])),
        variant('Q5_K', randomBlocks(176, 256, [0, 2])),
      ]
    : []),
];
const only = process.env.TYPES?.split(',');
const variants = only ? allVariants.filter((v) => only.some((type) => v.label.startsWith(type))) : allVariants;

/** Largest error over the first rows, relative to the largest reference output. */
function maxError(y: Float32Array, a: Float32Array, w: Float32Array, rows: number): number {
  let worst = 0;
  let largest = 0;
  for (let r = 0; r < Math.min(rows, 4); r++)
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[r * K + k]! * w[n * K + k]!;
      worst = Math.max(worst, Math.abs(y[r * N + n]! - sum));
      largest = Math.max(largest, Math.abs(sum));
    }
  return worst / largest;
}

const times = new Map<string, number[]>();
const errors = new Map<string, number>();
for (let round = 0; round < rounds; round++) {
  for (const level of [0, 4] as const) {
    for (const v of variants) {
      const session = await ort.InferenceSession.create(v.build(level), {
        intraOpNumThreads: 2,
        extra: { session: { intra_op: { allow_spinning: '1' } } },
      });
      for (const rows of [1, 128]) {
        const a = Float32Array.from({ length: rows * K }, random);
        const feeds = { x: new ort.Tensor('float32', a, [rows, K]) };
        let out = await session.run(feeds);
        const repeats = rows === 1 ? 50 : 5;
        const started = performance.now();
        for (let i = 0; i < repeats; i++) out = await session.run(feeds);
        const key = `${v.label}, level ${level}, ${rows} row(s)`;
        times.set(key, [...(times.get(key) ?? []), (performance.now() - started) / repeats]);
        if (round === 0) errors.set(key, maxError(out.y!.data as Float32Array, a, v.reference, rows));
      }
      await session.release();
    }
  }
}
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
console.log(
  `[${N} x ${K}], ${rounds} rounds, median ms per run, max |y − A·Wᵀ| / max |A·Wᵀ| with W ggml's dequantized weights`,
);
for (const [key, values] of times)
  console.log(`${key}: ${median(values).toFixed(3)} ms, error ${errors.get(key)!.toExponential(1)}`);
