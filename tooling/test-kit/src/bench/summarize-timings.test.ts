import { describe, expect, it } from 'vitest';
import { TestKitError } from '../errors/test-kit-error.js';
import { summarizeTimings } from './summarize-timings.js';

describe('summarizeTimings', () => {
  it('gives mean, median, min, p90 and max of an odd count', () => {
    expect(summarizeTimings([5, 1, 4, 2, 3])).toEqual({ count: 5, mean: 3, median: 3, min: 1, p90: 5, max: 5 });
  });

  it('averages the two middle values of an even count and takes the nearest rank for p90', () => {
    const timings = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(summarizeTimings(timings)).toEqual({ count: 20, mean: 10.5, median: 10.5, min: 1, p90: 18, max: 20 });
  });

  it('refuses an empty list', () => {
    expect(() => summarizeTimings([])).toThrow(TestKitError);
  });
});
