import { describe, expect, it } from 'vitest';
import { dequantizeQ8_0, quantizeQ8_0 } from './q8-0.js';
import { roundHalfAway } from './round-half-away.js';

describe('quantizeQ8_0', () => {
  it('follows ggml: d = max|x| / 127, codes roundf(x / d)', () => {
    const values = new Float32Array(32).map((_, j) => (j - 16) * 0.5);
    values[3] = -12.7; // the largest magnitude: d = 0.1
    const bytes = quantizeQ8_0(values);
    expect(bytes.length).toBe(34);
    const view = new DataView(bytes.buffer);
    const d = Math.fround(12.7 / 127);
    const id = Math.fround(1 / d);
    for (let j = 0; j < 32; j++) expect(view.getInt8(2 + j)).toBe(roundHalfAway(Math.fround(values[j]! * id)));
    expect(view.getInt8(2 + 3)).toBe(-127);
    const back = dequantizeQ8_0(bytes);
    for (let j = 0; j < 32; j++) expect(Math.abs(back[j]! - values[j]!)).toBeLessThan(0.051);
  });

  it('rounds halves away from zero, as C does', () => {
    expect(roundHalfAway(2.5)).toBe(3);
    expect(roundHalfAway(-2.5)).toBe(-3);
    expect(roundHalfAway(-0.4)).toBe(-0);
  });
});
