import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bitsOf } from '../test/helpers.js';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';

const golden = JSON.parse(readFileSync(new URL('../test/fixtures/conversions.json', import.meta.url), 'utf8')) as {
  float32: number[];
  float16: number[];
};

function toHalf(...values: number[]): number[] {
  return [...float32ToFloat16(new Float32Array(values))];
}

function fromHalf(...halves: number[]): number[] {
  return [...float16ToFloat32(new Uint16Array(halves))];
}

describe('float32ToFloat16', () => {
  it('encodes known values to their exact bit patterns', () => {
    expect(toHalf(1, -2.5, 0, -0, 0.5, 65504, -65504)).toEqual([
      0x3c00, 0xc100, 0x0000, 0x8000, 0x3800, 0x7bff, 0xfbff,
    ]);
  });

  it('encodes subnormals, rounding ties to even', () => {
    expect(toHalf(2 ** -24, 5.96e-8, 2 ** -14, 1023 * 2 ** -24)).toEqual([0x0001, 0x0001, 0x0400, 0x03ff]);
    // 2^-25 is halfway between 0 and the smallest subnormal: even is 0.
    expect(toHalf(2 ** -25, 3 * 2 ** -25, 5 * 2 ** -25, 2 ** -26)).toEqual([0x0000, 0x0002, 0x0002, 0x0000]);
    expect(toHalf(-(2 ** -24), -(2 ** -26))).toEqual([0x8001, 0x8000]);
  });

  it('rounds normal ties to even and overflows to infinity past 65520', () => {
    expect(toHalf(1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20)).toEqual([0x3c00, 0x3c02, 0x3c01]);
    expect(toHalf(65519, 65520, 1e6, -1e6)).toEqual([0x7bff, 0x7c00, 0x7c00, 0xfc00]);
  });

  it('keeps infinities and NaN', () => {
    expect(toHalf(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN)).toEqual([0x7c00, 0xfc00, 0x7e00]);
  });

  it('matches numpy on 1,200 bit patterns across the whole float32 range', () => {
    const input = new Float32Array(new Uint32Array(golden.float32).buffer);
    expect([...float32ToFloat16(input)]).toEqual(golden.float16);
  });

  it('writes into a given output and rejects one that is too short', () => {
    const output = new Uint16Array(3);
    expect(float32ToFloat16(new Float32Array([1, 2]), output)).toBe(output);
    expect([...output]).toEqual([0x3c00, 0x4000, 0]);
    expect(() => float32ToFloat16(new Float32Array(4), new Uint16Array(3))).toThrow(RangeError);
  });
});

describe('float16ToFloat32', () => {
  it('decodes known bit patterns exactly', () => {
    expect(fromHalf(0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000)).toEqual([
      1,
      -2.5,
      65504,
      2 ** -24,
      1023 * 2 ** -24,
      2 ** -14,
      -0,
    ]);
    expect(fromHalf(0x7c00, 0xfc00)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(Number.isNaN(fromHalf(0x7e00)[0])).toBe(true);
  });

  it('round-trips every one of the 65,536 half bit patterns', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16(float16ToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      const nan = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      // NaNs come back quiet (0x200 set) with sign and payload kept.
      if (back[h] !== (nan ? h | 0x200 : h))
        throw new Error(`0x${h.toString(16)} came back as 0x${back[h]!.toString(16)}`);
    }
  });

  it('converts in place when the halves sit in the upper half of the output buffer', () => {
    for (const count of [1, 2, 7, 8]) {
      const expected = float16ToFloat32(new Uint16Array(count).map((_, i) => 0x3c00 + 17 * i));
      const output = new Float32Array(count);
      const halves = new Uint16Array(output.buffer, 2 * count, count);
      halves.set(new Uint16Array(count).map((_, i) => 0x3c00 + 17 * i));
      float16ToFloat32(halves, output);
      expect(bitsOf(output)).toEqual(bitsOf(expected));
    }
  });
});
