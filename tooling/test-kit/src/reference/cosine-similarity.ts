/**
 * The cosine of the angle between two vectors of equal length (logits of two
 * engines or two precisions), summed in float64: 1 for the same direction.
 *
 * @throws RangeError when the lengths differ
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cosineSimilarity: lengths ${a.length} and ${b.length} differ`);
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(aa * bb);
}
