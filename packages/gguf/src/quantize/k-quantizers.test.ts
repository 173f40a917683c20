import { describe, expect, it } from 'vitest';
import { dequantizeQ4_K, quantizeQ4_K } from './q4-k.js';
import { dequantizeQ6_K, quantizeQ6_K } from './q6-k.js';

function gaussian(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 1) / 4294967297;
  };
  return Float32Array.from({ length }, () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()));
}

/** Worst error in code steps: `(max − min(0, lo)) / levels` (asymmetric) or `max|x| / levels` (symmetric). */
function maxErrorPerSubBlock(
  values: Float32Array,
  back: Float32Array,
  size: number,
  levels: number,
  symmetric = false,
): number {
  let worst = 0;
  for (let s = 0; s < values.length / size; s++) {
    let lo = 0;
    let hi = 0;
    for (let l = 0; l < size; l++) {
      lo = Math.min(lo, values[s * size + l]!);
      hi = Math.max(hi, values[s * size + l]!);
    }
    const step = symmetric ? Math.max(hi, -lo) / levels : (hi - lo) / levels;
    for (let l = 0; l < size; l++) {
      worst = Math.max(worst, Math.abs(back[s * size + l]! - values[s * size + l]!) / step);
    }
  }
  return worst;
}

describe('quantizeQ4_K / quantizeQ6_K', () => {
  it('Q4_K round-trips within about one code step of each sub-block', () => {
    const values = gaussian(256 * 8, 1);
    const bytes = quantizeQ4_K(values);
    expect(bytes.length).toBe(8 * 144);
    expect(maxErrorPerSubBlock(values, dequantizeQ4_K(bytes), 32, 15)).toBeLessThan(1.1);
  });

  it('Q6_K round-trips within about one code step of each sub-block', () => {
    const values = gaussian(256 * 8, 2);
    const bytes = quantizeQ6_K(values);
    expect(bytes.length).toBe(8 * 210);
    // A weight of the largest magnitude's opposite sign can sit at +32 steps, one past the top code (31).
    expect(maxErrorPerSubBlock(values, dequantizeQ6_K(bytes), 16, 32, true)).toBeLessThan(1.2);
  });

  it('keeps zero blocks zero and refuses partial super-blocks', () => {
    expect([...dequantizeQ4_K(quantizeQ4_K(new Float32Array(256)))].every((v) => v === 0)).toBe(true);
    expect([...dequantizeQ6_K(quantizeQ6_K(new Float32Array(256)))].every((v) => v === 0)).toBe(true);
    expect(() => quantizeQ4_K(new Float32Array(32))).toThrow(RangeError);
    expect(() => quantizeQ6_K(new Float32Array(32))).toThrow(RangeError);
  });
});
