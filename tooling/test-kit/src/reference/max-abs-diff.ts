/**
 * The largest absolute difference between two vectors of logits (or any
 * numbers), element by element; `Infinity` when their lengths differ, so a
 * `toBeLessThan(tolerance)` check fails on a wrong shape too.
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
