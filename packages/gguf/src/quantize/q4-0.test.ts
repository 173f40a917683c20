import { describe, expect, it } from 'vitest';
import { dequantizeQ4_0, quantizeQ4_0 } from './q4-0.js';

describe('quantizeQ4_0', () => {
  it('follows ggml: d = m / -8 with the sign of the largest weight, codes min(15, trunc(x/d + 8.5)), low nibble first', () => {
    // Weights j = 0..31: -8 at j = 0 (the largest magnitude, negative), then small steps.
    const values = new Float32Array(32);
    values[0] = -8;
    for (let j = 1; j < 32; j++) values[j] = (j % 17) - 8; // -7..8 and back
    const bytes = quantizeQ4_0(values);
    expect(bytes.length).toBe(18);
    // d = -8 / -8 = 1 → fp16 0x3c00, little-endian.
    expect([bytes[0], bytes[1]]).toEqual([0x00, 0x3c]);
    for (let j = 0; j < 16; j++) {
      const low = Math.min(15, Math.trunc(values[j]! + 8.5));
      const high = Math.min(15, Math.trunc(values[j + 16]! + 8.5));
      expect(bytes[2 + j]).toBe(low | (high << 4));
    }
    // +8 (j = 16) would be code 16: clamped to 15.
    expect(bytes[2]! >> 4).toBe(15);
  });

  it('uses a negative scale when the largest weight is positive, and dequantizes to d * (q - 8)', () => {
    const values = new Float32Array(32).map((_, j) => (j === 5 ? 4 : (j - 16) / 8));
    const bytes = quantizeQ4_0(values);
    const back = dequantizeQ4_0(bytes);
    // d = 4 / -8 = -0.5: the largest weight maps to code 0 and back exactly.
    expect(back[5]).toBe(4);
    for (let j = 0; j < 32; j++) expect(Math.abs(back[j]! - values[j]!)).toBeLessThanOrEqual(0.25 + 1e-6);
  });

  it('writes a -0 scale and code 8 for an all-zero block (0 / -8 is -0 in C too)', () => {
    const bytes = quantizeQ4_0(new Float32Array(64));
    expect([...bytes.subarray(0, 2)]).toEqual([0x00, 0x80]);
    expect(bytes[2]).toBe(0x88);
    expect([...dequantizeQ4_0(bytes)].every((v) => v === 0)).toBe(true);
  });

  it('refuses a length that is not whole blocks', () => {
    expect(() => quantizeQ4_0(new Float32Array(33))).toThrow(RangeError);
  });
});
