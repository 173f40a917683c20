import { TestKitError } from '../errors/test-kit-error.js';
import type { TimingSummary } from './benchmark-report.js';

/**
 * Mean, median, min, 90th percentile (nearest rank) and max of timings.
 *
 * @param timings - Milliseconds, in any order (not changed).
 * @throws TestKitError when `timings` is empty.
 */
export function summarizeTimings(timings: readonly number[]): TimingSummary {
  if (timings.length === 0) {
    throw new TestKitError({
      where: 'summarizeTimings',
      message: 'there are no timings to summarize.',
      hint: 'Time at least one step.',
    });
  }
  const sorted = [...timings].sort((a, b) => a - b);
  const count = sorted.length;
  const middle = Math.floor(count / 2);
  return {
    count,
    mean: sorted.reduce((sum, value) => sum + value, 0) / count,
    median: count % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2,
    min: sorted[0]!,
    p90: sorted[Math.ceil(0.9 * count) - 1]!,
    max: sorted[count - 1]!,
  };
}
