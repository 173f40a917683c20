import { describe, expect, it } from 'vitest';
import { JobTimes, retryAfterSeconds } from './retry-after.js';

describe('retryAfterSeconds', () => {
  it('is the time to drain the queue: 32 waiting at 150 ms each is 5 s, not 33 s', () => {
    // The case: a full queue of 32 drained in 4.7 s while Retry-After said 33 s.
    expect(retryAfterSeconds({ queued: 32, meanMs: 150, runningForMs: 50 })).toBe(5);
  });

  it('counts what the running generation still needs', () => {
    expect(retryAfterSeconds({ queued: 1, meanMs: 2000, runningForMs: 500 })).toBe(4);
    expect(retryAfterSeconds({ queued: 1, meanMs: 2000, runningForMs: 5000 })).toBe(2);
  });

  it('is at least 1 s, even with no history or an empty queue', () => {
    expect(retryAfterSeconds({ queued: 0, meanMs: undefined, runningForMs: undefined })).toBe(1);
    expect(retryAfterSeconds({ queued: 3, meanMs: undefined, runningForMs: 0 })).toBe(1);
    expect(retryAfterSeconds({ queued: 5, meanMs: 1, runningForMs: 1 })).toBe(1);
  });

  it('uses the running generation as the mean before any has finished', () => {
    expect(retryAfterSeconds({ queued: 4, meanMs: undefined, runningForMs: 1500 })).toBe(6);
  });
});

describe('JobTimes', () => {
  it('averages the last 16 durations only', () => {
    const times = new JobTimes();
    expect(times.meanMs).toBeUndefined();
    times.add(100_000);
    for (let i = 0; i < 16; i++) times.add(200);
    expect(times.meanMs).toBe(200);
  });
});
