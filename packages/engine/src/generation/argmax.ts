/** Index of the largest value in `logits[offset, offset + length)`, relative to `offset`; the first one on ties. */
export function argmax(logits: Float32Array, offset = 0, length = logits.length - offset): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < length; index++) {
    const value = logits[offset + index]!;
    if (value > bestValue) {
      bestValue = value;
      best = index;
    }
  }
  return best;
}
