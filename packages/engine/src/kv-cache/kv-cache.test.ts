import { describe, expect, it } from 'vitest';
import { KvCache } from './kv-cache.js';

const rows = (count: number, rowSize: number, start: number) =>
  Float32Array.from({ length: count * rowSize }, (_, index) => start + index);

describe('KvCache', () => {
  it('appends rows per layer after a zero padding row and exposes them as views without copying', () => {
    const cache = new KvCache({ numLayers: 2, rowSize: 3, maxLength: 8, initialCapacity: 2 });
    expect([...cache.keyView(0)]).toEqual([0, 0, 0]);
    cache.append([rows(1, 3, 1), rows(1, 3, 100)], [rows(1, 3, 50), rows(1, 3, 150)], 1);
    cache.append([rows(2, 3, 10), rows(2, 3, 110)], [rows(2, 3, 60), rows(2, 3, 160)], 2);
    expect(cache.length).toBe(3);
    expect(cache.viewRows).toBe(4);
    expect([...cache.keyView(0)]).toEqual([0, 0, 0, 1, 2, 3, 10, 11, 12, 13, 14, 15]);
    expect([...cache.valueView(1)]).toEqual([0, 0, 0, 150, 151, 152, 160, 161, 162, 163, 164, 165]);
    expect(cache.keyView(0).buffer).toBe(cache.keyView(0).buffer);
  });

  it('grows by doubling, truncates to a prefix and refuses to overflow', () => {
    const cache = new KvCache({ numLayers: 1, rowSize: 2, maxLength: 5, initialCapacity: 1 });
    cache.append([rows(4, 2, 1)], [rows(4, 2, 1)], 4);
    expect(cache.byteLength).toBe(2 * 1 * (1 + 4) * 2 * 4);
    cache.truncate(2);
    expect([...cache.keyView(0)]).toEqual([0, 0, 1, 2, 3, 4]);
    cache.append([rows(3, 2, 90)], [rows(3, 2, 90)], 3);
    expect(cache.length).toBe(5);
    expect(() => cache.append([rows(1, 2, 0)], [rows(1, 2, 0)], 1)).toThrow(/overflow: 6 tokens > maxLength 5/);
    expect(() => cache.truncate(9)).toThrow(RangeError);
    cache.reset();
    expect(cache.length).toBe(0);
    expect([...cache.keyView(0)]).toEqual([0, 0]);
  });

  it('keeps values of another width, or none (latent attention caches one compressed row per token)', () => {
    const wide = new KvCache({ numLayers: 1, rowSize: 3, valueRowSize: 2, maxLength: 4, initialCapacity: 1 });
    wide.append([rows(2, 3, 1)], [rows(2, 2, 50)], 2);
    expect([...wide.keyView(0)]).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 6]);
    expect([...wide.valueView(0)]).toEqual([0, 0, 50, 51, 52, 53]);
    expect(wide.bytesPerToken).toBe((3 + 2) * 4);
    const latent = new KvCache({ numLayers: 2, rowSize: 4, valueRowSize: 0, maxLength: 4, initialCapacity: 1 });
    latent.append([rows(2, 4, 1), rows(2, 4, 100)], [], 2);
    expect(latent.keyRowSize).toBe(4);
    expect([...latent.keyView(1)]).toEqual([0, 0, 0, 0, 100, 101, 102, 103, 104, 105, 106, 107]);
    expect(latent.valueView(0).length).toBe(0);
    expect(latent.byteLength).toBe((1 + 2) * 2 * 4 * 4);
    expect(() => new KvCache({ numLayers: 1, rowSize: 0, maxLength: 4 })).toThrow(RangeError);
  });
});
