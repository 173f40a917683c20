import { describe, expect, it } from 'vitest';
import { dequantizeGgml } from '../quantize/dequantize-ggml.js';
import { quantizeQ4_0 } from '../quantize/q4-0.js';
import { quantizeQ4_K } from '../quantize/q4-k.js';
import { quantizeQ6_K } from '../quantize/q6-k.js';
import { quantizeQ8_0 } from '../quantize/q8-0.js';
import { type GgmlMatMulNBits, ggmlToMatMulNBits } from './ggml-to-matmul-nbits.js';

/**
 * What MatMulNBits multiplies by, from the op's definition (ContribOperators.md):
 * weight k of row n is `(q − zero) · scale` of block k / blockSize, with q read
 * low bits first and the default zero point 2^(bits − 1). Returned as `[N, K]`.
 */
function matMulNBitsWeights(mapped: GgmlMatMulNBits): Float32Array {
  const { packed, scales, zeroPoints, blockMins, N, K, bits, blockSize } = mapped;
  const out = new Float32Array(N * K);
  const kBlocks = K / blockSize;
  const zeroStride = Math.ceil((kBlocks * bits) / 8);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const bitIndex = (n * K + k) * bits;
      const q = bits === 8 ? packed[bitIndex / 8]! : (packed[bitIndex >> 3]! >> (bitIndex & 7)) & 0x0f;
      const block = Math.floor(k / blockSize);
      const zeroBit = block * bits;
      const zero = zeroPoints
        ? bits === 8
          ? zeroPoints[n * zeroStride + block]!
          : (zeroPoints[n * zeroStride + (zeroBit >> 3)]! >> (zeroBit & 7)) & 0x0f
        : 1 << (bits - 1);
      const weight = Math.fround((q - zero) * scales[n * kBlocks + block]!);
      out[n * K + k] = blockMins ? Math.fround(weight - blockMins[n * (K / blockSize) + block]!) : weight;
    }
  }
  return out;
}

describe('ggmlToMatMulNBits', () => {
  const [N, K] = [6, 512];
  const weights = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 7)));

  it.each([
    ['Q4_0', 4, 32, quantizeQ4_0],
    ['Q8_0', 8, 32, quantizeQ8_0],
    ['Q4_K', 4, 32, quantizeQ4_K],
    ['Q6_K', 8, 16, quantizeQ6_K],
  ] as const)('%s: the MatMulNBits layout dequantizes to exactly ggml’s values', (type, bits, blockSize, quantize) => {
    const bytes = quantize(weights);
    const mapped = ggmlToMatMulNBits({ type, shape: [N, K], bytes });
    expect(mapped).toMatchObject({ N, K, bits, blockSize });
    expect(mapped.packed.length).toBe((N * K * bits) / 8);
    expect(mapped.scales.length).toBe((N * K) / blockSize);
    expect(matMulNBitsWeights(mapped)).toEqual(dequantizeGgml(type, bytes));
  });

  // Random blocks (any bit pattern is a valid block) with finite fp16 scales at each type's scale offsets.
  const layouts = {
    Q4_1: { stride: 20, superBlock: 32, halves: [0, 2], bits: 4, blockSize: 32 },
    Q5_0: { stride: 22, superBlock: 32, halves: [0], bits: 8, blockSize: 32 },
    Q5_1: { stride: 24, superBlock: 32, halves: [0, 2], bits: 8, blockSize: 32 },
    Q2_K: { stride: 84, superBlock: 256, halves: [80, 82], bits: 4, blockSize: 16 },
    Q3_K: { stride: 110, superBlock: 256, halves: [108], bits: 4, blockSize: 16 },
    Q5_K: { stride: 176, superBlock: 256, halves: [0, 2], bits: 8, blockSize: 32 },
  } as const;
  it.each(Object.entries(layouts))(
    '%s (random blocks): the MatMulNBits layout dequantizes to exactly ggml’s values',
    (name, layout) => {
      const type = name as keyof typeof layouts;
      const blocks = (N * K) / layout.superBlock;
      const bytes = new Uint8Array(blocks * layout.stride);
      let state = 17;
      for (let i = 0; i < bytes.length; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        bytes[i] = state >>> 24;
      }
      for (let b = 0; b < blocks; b++) {
        for (const [k, at] of layout.halves.entries()) {
          // Halves of magnitude 2^-4..2^1 and either sign: 0x2c00..0x4000 plus a random mantissa.
          const bits =
            0x2c00 +
            ((b * 7 + k * 3) % 20) * 0x0100 +
            (bytes[b * layout.stride + at]! & 0xff) +
            (k === 1 && b % 3 === 0 ? 0x8000 : 0);
          bytes[b * layout.stride + at] = bits & 0xff;
          bytes[b * layout.stride + at + 1] = bits >> 8;
        }
      }
      const mapped = ggmlToMatMulNBits({ type, shape: [N, K], bytes });
      expect(mapped).toMatchObject({ bits: layout.bits, blockSize: layout.blockSize });
      const reference = dequantizeGgml(type, bytes);
      expect(matMulNBitsWeights(mapped)).toEqual(reference);
      // Centered: the same weights up to one float32 rounding of each folded minimum, codes around the default zero point.
      const centered = ggmlToMatMulNBits({ type, shape: [N, K], bytes }, { centered: true });
      const hasMins = mapped.blockMins !== undefined;
      expect(centered.zeroPoints === undefined).toBe(hasMins || mapped.zeroPoints === undefined);
      const got = matMulNBitsWeights(centered);
      const scale = reference.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - reference[i]!)).toBeLessThanOrEqual(scale * 2e-7);
      if (hasMins) {
        // Codes now spread around the op's zero point (8 or 128), not from 0 up.
        const zero = 2 ** (layout.bits - 1);
        const codes = layout.bits === 8 ? [...centered.packed] : [...centered.packed].flatMap((b) => [b & 15, b >> 4]);
        const mean = codes.reduce((sum, code) => sum + (code - zero), 0) / codes.length;
        expect(Math.abs(mean)).toBeLessThan(zero / 4);
      }
    },
  );

  it('Q4_K centered: codes −8…7 around the default zero point, weights within one rounding', () => {
    const bytes = quantizeQ4_K(weights);
    const reference = dequantizeGgml('Q4_K', bytes);
    const centered = ggmlToMatMulNBits({ type: 'Q4_K', shape: [N, K], bytes }, { centered: true });
    expect(centered.zeroPoints).toBeUndefined();
    const got = matMulNBitsWeights(centered);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(reference[i]!, 5);
  });

  it('re-pairs Q4_0 nibbles: ggml’s byte j holds weights j and j + 16, MatMulNBits’ byte i weights 2i and 2i + 1', () => {
    const block = new Uint8Array(18);
    block[1] = 0x3c; // d = 1
    for (let j = 0; j < 16; j++) block[2 + j] = j | ((15 - j) << 4); // weight j = j, weight j + 16 = 15 − j
    const { packed } = ggmlToMatMulNBits({ type: 'Q4_0', shape: [1, 32], bytes: block });
    const codes = [...packed].flatMap((byte) => [byte & 15, byte >> 4]);
    expect(codes).toEqual([
      ...Array.from({ length: 16 }, (_, j) => j),
      ...Array.from({ length: 16 }, (_, j) => 15 - j),
    ]);
  });

  it('refuses other types and shapes', () => {
    expect(() => ggmlToMatMulNBits({ name: 'w', type: 'F16', shape: [1, 256], bytes: new Uint8Array(512) })).toThrow(
      /"w": F16 does not map/,
    );
    expect(() => ggmlToMatMulNBits({ type: 'Q4_0', shape: [2, 32], bytes: new Uint8Array(18) })).toThrow(/36 bytes/);
  });
});
