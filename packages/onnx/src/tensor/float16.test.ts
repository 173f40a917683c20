import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';

describe('float16 conversion', () => {
  it('encodes known values exactly', () => {
    const bits = float32ToFloat16([0, -0, 1, -2, 0.5, 65504, 2 ** -24, 1e-8, 70000, Number.POSITIVE_INFINITY]);
    expect(Array.from(bits)).toEqual([0, 0x8000, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0, 0x7c00, 0x7c00]);
    expect(float32ToFloat16([Number.NaN])[0]! & 0x7c00).toBe(0x7c00);
  });

  it('rounds to nearest even and round-trips every half value', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(float32ToFloat16([1 + 2 ** -11])[0]).toBe(0x3c00);
    expect(float32ToFloat16([1 + 3 * 2 ** -11])[0]).toBe(0x3c02);
    const all = new Uint16Array(0x7c00);
    for (let i = 0; i < all.length; i++) all[i] = i;
    expect(Array.from(float32ToFloat16(float16ToFloat32(all)))).toEqual(Array.from(all));
  });
});
