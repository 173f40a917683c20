import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { watchOtherCpuShare } from './other-cpu-share.js';

describe('watchOtherCpuShare', () => {
  it('gives a share between 0 and 1 on Linux, and does not count this process’s own work', () => {
    const stop = watchOtherCpuShare();
    const end = performance.now() + 300;
    let spins = 0;
    while (performance.now() < end) spins++;
    const share = stop();
    expect(spins).toBeGreaterThan(0);
    if (process.platform !== 'linux') {
      expect(share).toBeUndefined();
      return;
    }
    expect(share).toBeGreaterThanOrEqual(0);
    // This process kept one CPU busy for the whole time; none of that is "other".
    expect(share).toBeLessThanOrEqual(1 - 1 / (2 * availableParallelism()));
  });
});
