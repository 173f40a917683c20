import { describe, expect, it } from 'vitest';
import { GraphError } from '../errors/graph-error.js';
import { dequantizeMatMulNBits, quantizeLinearNBits, quantizeMatMulNBits } from './matmul-nbits.js';

describe('quantizeMatMulNBits', () => {
  it('packs 4-bit values low nibble first, blocks along K, one row per output feature', () => {
    // K = 16, N = 1: the values 0..15 with asymmetric quantization get scale 1 and zero point 0.
    const weight = Float32Array.from({ length: 16 }, (_, k) => k);
    const q = quantizeMatMulNBits(weight, 16, 1, { bits: 4, blockSize: 16 });
    expect(Array.from(q.scales)).toEqual([1]);
    expect(Array.from(q.zeroPoints ?? [])).toEqual([0]);
    expect(Array.from(q.packed)).toEqual([0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe]);
    expect(Array.from(q.dequantized)).toEqual(Array.from(weight));
  });

  it('lays out [N, kBlocks, blob], scales [N, kBlocks] and packed zero points [N, ceil(kBlocks / 2)]', () => {
    const [K, N] = [48, 3];
    const weight = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i));
    const q = quantizeMatMulNBits(weight, K, N, { bits: 4, blockSize: 16 });
    expect(q.kBlocks).toBe(3);
    expect(q.packed.length).toBe(N * 3 * 8);
    expect(q.scales.length).toBe(N * 3);
    expect(q.zeroPoints?.length).toBe(N * 2);
    // Row n, block b, element j is weight[(b * 16 + j) * N + n].
    const [n, b, j] = [2, 1, 5];
    const byte = q.packed[(n * 3 + b) * 8 + (j >> 1)] as number;
    const nibble = j & 1 ? byte >> 4 : byte & 15;
    const zeroByte = q.zeroPoints?.[n * 2 + (b >> 1)] as number;
    const zero = b & 1 ? zeroByte >> 4 : zeroByte & 15;
    const value = (nibble - zero) * (q.scales[n * 3 + b] as number);
    expect(value).toBeCloseTo(q.dequantized[(b * 16 + j) * N + n] as number, 6);
    expect(Math.abs(value - (weight[(b * 16 + j) * N + n] as number))).toBeLessThanOrEqual(
      (q.scales[n * 3 + b] as number) / 2 + 1e-7,
    );
  });

  it('symmetric: no zero points, the largest magnitude maps to -2^(bits-1) exactly', () => {
    const weight = Float32Array.from([0.5, -1, 0.25, 0, ...new Array(12).fill(0.125)]);
    const q = quantizeMatMulNBits(weight, 16, 1, { bits: 4, blockSize: 16, symmetric: true });
    expect(q.zeroPoints).toBeUndefined();
    expect(q.scales[0]).toBe(0.125);
    expect((q.packed[0] as number) >> 4).toBe(0);
    expect(Array.from(q.dequantized)).toEqual(Array.from(weight));
  });

  it('pads the last block with the zero point so K need not be a multiple of the block size', () => {
    const weight = Float32Array.from({ length: 40 * 2 }, (_, i) => (i % 7) - 3);
    for (const bits of [4, 8] as const) {
      for (const symmetric of [false, true]) {
        const q = quantizeMatMulNBits(weight, 40, 2, { bits, blockSize: 32, symmetric });
        expect(q.kBlocks).toBe(2);
        expect(dequantizeMatMulNBits(q, 40, 2, { bits, blockSize: 32 })).toEqual(q.dequantized);
      }
    }
  });

  it('8-bit error stays under half a step and beats 4-bit', () => {
    const [K, N] = [64, 8];
    const weight = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.37));
    const error = (bits: 4 | 8) => {
      const q = quantizeLinearNBits(weight, N, K, { bits, blockSize: 32 });
      let max = 0;
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++)
          max = Math.max(max, Math.abs((q.dequantized[k * N + n] as number) - (weight[n * K + k] as number)));
      }
      return max;
    };
    expect(error(8)).toBeLessThan(2 / 255);
    expect(error(8)).toBeLessThan(error(4) / 8);
  });

  it('rounds each level to nearest with ties up, as Math.round does, ties and large blocks included', () => {
    const [N, K] = [24, 256];
    let state = 7;
    const uniform = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const weight = new Float32Array(N * K);
    for (let i = 0; i < weight.length; i++) weight[i] = (uniform() - 0.5) * 10 ** Math.floor(uniform() * 4 - 2);
    // Exact half steps: each block's first weight is its extreme, the others odd multiples of half its scale.
    for (let n = 0; n < N; n += 3) {
      weight[n * K] = -8;
      for (let k = 1; k < 32; k++) weight[n * K + k] = (2 * Math.floor(uniform() * 15) - 15) / 2;
    }
    for (const bits of [4, 8] as const) {
      for (const symmetric of [false, true]) {
        const q = quantizeLinearNBits(weight, N, K, { bits, blockSize: 32, symmetric });
        const kBlocks = K / 32;
        for (let n = 0; n < N; n++) {
          for (let k = 0; k < K; k++) {
            const block = n * kBlocks + (k >> 5);
            const scale = q.scales[block]!;
            const zeroByte = q.zeroPoints?.[Math.floor(block * (bits / 8))];
            const zero = !q.zeroPoints
              ? 1 << (bits - 1)
              : bits === 8
                ? zeroByte!
                : block & 1
                  ? zeroByte! >> 4
                  : zeroByte! & 15;
            const at = n * K + k;
            const level = bits === 8 ? q.packed[at]! : k & 1 ? q.packed[at >> 1]! >> 4 : q.packed[at >> 1]! & 15;
            const expected = Math.min(Math.max(Math.round(weight[at]! / scale) + zero, 0), (1 << bits) - 1);
            expect(level).toBe(expected);
          }
        }
      }
    }
  });

  it('throws a GraphError for bad sizes or options', () => {
    expect(() => quantizeMatMulNBits(new Float32Array(10), 4, 4, { bits: 4, blockSize: 32 })).toThrow(GraphError);
    expect(() => quantizeMatMulNBits(new Float32Array(16), 4, 4, { bits: 3 as 4, blockSize: 24 as 32 })).toThrow(
      /bits 3 is not 4 or 8[\s\S]*blockSize 24/,
    );
  });
});
