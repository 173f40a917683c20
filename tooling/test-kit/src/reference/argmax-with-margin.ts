/** The top token of one row of logits and how far ahead of the runner-up it is. */
export interface TopToken {
  /** Index of the largest logit (the first one on a tie, as `torch.argmax`). */
  token: number;
  /** Its logit. */
  logit: number;
  /** Largest logit minus the second largest (0 on a tie, Infinity for a single logit). Small margins make greedy choices fragile. */
  margin: number;
}

/**
 * The greedy choice over one row of logits, with its margin.
 *
 * @param logits - Holds the row at `offset`.
 * @param offset - Index of the row's first logit (0 by default).
 * @param length - Row length (to the end of `logits` by default).
 * @throws RangeError when the row is empty.
 */
export function argmaxWithMargin(logits: Float32Array, offset = 0, length = logits.length - offset): TopToken {
  if (length <= 0) throw new RangeError('argmaxWithMargin: the row of logits is empty');
  let best = 0;
  let bestLogit = Number.NEGATIVE_INFINITY;
  let second = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < length; i++) {
    const value = logits[offset + i]!;
    if (value > bestLogit) {
      second = bestLogit;
      bestLogit = value;
      best = i;
    } else if (value > second) {
      second = value;
    }
  }
  return { token: best, logit: bestLogit, margin: length === 1 ? Number.POSITIVE_INFINITY : bestLogit - second };
}
