import { describe, expect, it } from 'vitest';
import { createRng } from './create-rng.js';

describe('createRng', () => {
  it('gives the same sequence for the same seed, and a different one for another seed', () => {
    const draw = (seed: number | string) => {
      const rng = createRng(seed);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw('model.norm.weight')).toEqual(draw('model.norm.weight'));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw('a')).not.toEqual(draw('b'));
  });

  it('is pinned: these first values must never change, or every generated checkpoint changes', () => {
    const rng = createRng(0);
    // splitmix32 from seed 0, computed independently (Python, arbitrary-precision integers masked to 32 bits).
    expect(Array.from({ length: 4 }, () => rng.nextUint32())).toEqual([0x64625032, 0xd9c0799c, 0xaf362e10, 0x7fa88912]);
  });

  it('draws uniform numbers in [0, 1) and integers below the bound', () => {
    const rng = createRng(7);
    let sum = 0;
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 50_000; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      counts[rng.int(5)]!++;
    }
    expect(sum / 50_000).toBeCloseTo(0.5, 2);
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('draws normals with mean 0 and standard deviation 1, and fills arrays with a given mean and std', () => {
    const rng = createRng(1);
    const values = rng.fillNormal(new Float32Array(100_000));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.sqrt(variance)).toBeCloseTo(1, 2);

    const shifted = createRng(1).fillNormal(new Float32Array(10), 0.5, 3);
    const plain = createRng(1).fillNormal(new Float32Array(10));
    for (let i = 0; i < 10; i++) expect(shifted[i]).toBeCloseTo(3 + 0.5 * plain[i]!, 5);
  });

  it('fills arrays with exactly the values normal() draws one by one, whatever the lengths and a pending spare', () => {
    const filled = createRng(3);
    const drawn = createRng(3);
    for (const length of [0, 1, 4, 7, 2, 1, 10]) {
      const values = filled.fillNormal(new Float32Array(length), 0.3, -1);
      const expected = Float32Array.from({ length }, () => -1 + 0.3 * drawn.normal());
      expect(values).toEqual(expected);
    }
    expect(filled.nextUint32()).toBe(drawn.nextUint32());
  });

  it('forks streams that depend only on the seed and the label, not on earlier draws', () => {
    const fresh = createRng(5).fork('layer').nextUint32();
    const used = createRng(5);
    for (let i = 0; i < 100; i++) used.normal();
    expect(used.fork('layer').nextUint32()).toBe(fresh);
    expect(createRng(5).fork('other').nextUint32()).not.toBe(fresh);
    expect(createRng(6).fork('layer').nextUint32()).not.toBe(fresh);
  });

  it('rejects a seed that is not an integer', () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });
});
