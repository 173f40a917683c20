import { describe, expect, it } from 'vitest';
import { ReferenceKvCache } from './reference-kv-cache.js';

describe('ReferenceKvCache', () => {
  it('grows, keeps earlier rows, truncates and clones independently', () => {
    const cache = new ReferenceKvCache({ numLayers: 2, numKeyValueHeads: 2, headDim: 3 });
    expect(cache.rowSize).toBe(6);
    expect(cache.keys(0)).toHaveLength(0);
    cache.extend(2);
    cache.keys(1).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    cache.values(0).fill(5);
    cache.extend(40);
    expect(cache.length).toBe(42);
    expect([...cache.keys(1).subarray(0, 12)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(
      cache
        .values(0)
        .subarray(0, 12)
        .every((value) => value === 5),
    ).toBe(true);

    const copy = cache.clone();
    cache.truncate(1);
    expect(cache.keys(1)).toHaveLength(6);
    expect(copy.length).toBe(42);
    copy.keys(1)[0] = 100;
    expect(cache.keys(1)[0]).toBe(1);
    expect(() => cache.truncate(2)).toThrow(RangeError);
  });
});
