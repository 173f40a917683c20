import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bitsOf, randomValues } from '../test/helpers.js';
import { bfloat16ToFloat32, float32ToBfloat16 } from './bfloat16.js';

const golden = JSON.parse(readFileSync(new URL('../test/fixtures/conversions.json', import.meta.url), 'utf8')) as {
  float32: number[];
  bfloat16: number[];
};

function fromBits(...bits: number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

describe('float32ToBfloat16', () => {
  it('encodes known values to their exact bit patterns', () => {
    expect([...float32ToBfloat16(new Float32Array([1, -2.5, 0, -0, 65504, 3.140625]))]).toEqual([
      0x3f80, 0xc020, 0x0000, 0x8000, 0x4780, 0x4049,
    ]);
  });

  it('rounds to nearest, ties to even', () => {
    // 0x3f808000 is exactly between 0x3f80 and 0x3f81: even wins (down);
    // 0x3f818000 is between 0x3f81 and 0x3f82: even wins (up).
    const input = fromBits(0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff, 0xbf808000, 0xbf818000);
    expect([...float32ToBfloat16(input)]).toEqual([0x3f80, 0x3f82, 0x3f81, 0x3f80, 0xbf80, 0xbf82]);
  });

  it('overflows to infinity and keeps infinities and NaN (made quiet)', () => {
    const input = fromBits(0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffa00000);
    expect([...float32ToBfloat16(input)]).toEqual([0x7f80, 0x7f80, 0xff80, 0x7fc0, 0x7fc0, 0xffe0]);
  });

  it('keeps subnormals (bfloat16 has the float32 exponent range)', () => {
    expect([...float32ToBfloat16(fromBits(0x00010000, 0x00008000, 0x00018000))]).toEqual([0x0001, 0x0000, 0x0002]);
  });

  it('matches ml_dtypes on 1,200 bit patterns across the whole float32 range', () => {
    const input = new Float32Array(new Uint32Array(golden.float32).buffer);
    expect([...float32ToBfloat16(input)]).toEqual(golden.bfloat16);
  });
});

describe('bfloat16ToFloat32', () => {
  it('decodes by shifting into the upper 16 bits', () => {
    const output = bfloat16ToFloat32(new Uint16Array([0x3f80, 0xc020, 0x7f80, 0xff80, 0x0001]));
    expect([...output]).toEqual([1, -2.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** -133]);
    expect(Number.isNaN(bfloat16ToFloat32(new Uint16Array([0x7fc0]))[0])).toBe(true);
  });

  it('gives the same values from aligned, unaligned, even and odd inputs', () => {
    const halves = float32ToBfloat16(randomValues(1001, 7));
    const expected = new Uint32Array(1001).map((_, i) => halves[i]! << 16);
    expect(bitsOf(bfloat16ToFloat32(halves))).toEqual(expected);
    expect(bitsOf(bfloat16ToFloat32(halves.subarray(0, 1000)))).toEqual(expected.subarray(0, 1000));
    expect(bitsOf(bfloat16ToFloat32(halves.subarray(1)))).toEqual(expected.subarray(1));
  });

  it('round-trips every bfloat16 bit pattern that is not NaN', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToBfloat16(bfloat16ToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      const nan = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
      if (back[h] !== (nan ? h | 0x40 : h))
        throw new Error(`0x${h.toString(16)} came back as 0x${back[h]!.toString(16)}`);
    }
  });

  it('converts in place when the halves sit in the upper half of the output buffer', () => {
    for (const count of [1, 2, 7, 8, 1001]) {
      const source = float32ToBfloat16(randomValues(count, count));
      const output = new Float32Array(count);
      new Uint16Array(output.buffer, 2 * count, count).set(source);
      bfloat16ToFloat32(new Uint16Array(output.buffer, 2 * count, count), output);
      expect(bitsOf(output)).toEqual(bitsOf(bfloat16ToFloat32(source)));
    }
  });
});
