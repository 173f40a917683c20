/** One window of a sliding-window perplexity: `ids[begin, end)` is fed, `ids[begin + from, end)` is scored. */
export interface EvalWindow {
  /** First token fed. */
  begin: number;
  /** One past the last token fed. */
  end: number;
  /** First scored position within the window (the tokens before it are context only); at least 1. */
  from: number;
}

/**
 * The windows of a sliding-window perplexity over `length` tokens, as in
 * transformers' perplexity guide (and `llama-perplexity` with a stride): each
 * window holds up to `context` tokens and starts `stride` after the previous
 * one; it scores only the tokens no earlier window scored, so every token but
 * the first is scored exactly once, and each with at least `context - stride`
 * tokens of context (except in the first window). `stride = context` gives
 * disjoint windows, whose first tokens are then context only (as in the guide).
 *
 * @throws RangeError when `length < 2`, or `context < 2`, or `stride` is not in `[1, context]`.
 */
export function slidingWindows(length: number, context: number, stride: number): EvalWindow[] {
  if (!Number.isInteger(length) || length < 2) throw new RangeError(`a perplexity needs at least 2 tokens, got ${length}`);
  if (!Number.isInteger(context) || context < 2) throw new RangeError(`the context must be an integer >= 2, got ${context}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > context) {
    throw new RangeError(`the stride must be an integer in [1, ${context}] (the context), got ${stride}`);
  }
  const windows: EvalWindow[] = [];
  let scoredUpTo = 1;
  for (let begin = 0; ; begin += stride) {
    const end = Math.min(begin + context, length);
    windows.push({ begin, end, from: Math.max(1, scoredUpTo - begin) });
    scoredUpTo = end;
    if (end === length) return windows;
  }
}
