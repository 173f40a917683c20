import { PromptError } from '@pio/core';

/** Options of {@link TokenScorer.scoreTokens}. */
export interface ScoreTokensOptions {
  /**
   * The first position whose token is scored (default 1): the tokens before
   * it are context only. Must lie in `[1, ids.length - 1]`. A sliding-window
   * perplexity scores only the tokens a window adds (`from = window length - stride`).
   */
  from?: number;
  /**
   * Tokens fed per forward pass (default 256). Bounds the logits held at once
   * to `chunkTokens × vocabulary` floats; the result does not depend on it.
   */
  chunkTokens?: number;
}

/** What {@link TokenScorer.scoreTokens} returns: one entry per scored position. */
export interface TokenScores {
  /** Natural-log probability of `ids[from + i]` given `ids[0 .. from + i - 1]` (computed in float64). */
  logProbs: Float64Array;
  /** The most likely token at each scored position (argmax of the logits that predict `ids[from + i]`). */
  argmax: Int32Array;
}

/**
 * The extension point behind `pio eval`: a plugin that can score a sequence
 * of tokens under its model, one forward pass over the whole window with the
 * KV cache reset first (no generation, no sampling). `DecoderTextPlugin`
 * implements it, so every model package built on the engine has it. Hosts,
 * which know plugins only through `@pio/core`, test for it with
 * {@link isTokenScorer} (or the same `typeof plugin.scoreTokens === 'function'`).
 */
export interface TokenScorer {
  /**
   * Log-probabilities of `ids[from..]`, each given all tokens before it.
   *
   * @throws PromptError for fewer than two ids, an id outside the vocabulary, or `from` outside `[1, ids.length - 1]`.
   * @throws ContextLengthError when `ids` are longer than the context.
   */
  scoreTokens(ids: readonly number[], options?: ScoreTokensOptions): Promise<TokenScores>;
}

/** True when `plugin` implements {@link TokenScorer}. */
export function isTokenScorer(plugin: object): plugin is TokenScorer {
  return typeof (plugin as Partial<TokenScorer>).scoreTokens === 'function';
}

/**
 * Feeds `ids` after the tokens already fed (the KV cache grows) and returns
 * the logits at `logitIndices` (positions among `ids`) as `[L, vocab]` rows.
 */
export type ForwardChunk = (ids: readonly number[], logitIndices: readonly number[]) => Promise<Float32Array>;

/**
 * Scores `ids` with `forward` (a runner whose cache was just reset), in
 * chunks of `chunkTokens`, keeping only the logit rows of scored positions.
 *
 * @throws PromptError when `ids` has fewer than two tokens or `from` is out of range.
 */
export async function scoreTokensWith(
  forward: ForwardChunk,
  ids: readonly number[],
  vocabSize: number,
  options: ScoreTokensOptions = {},
): Promise<TokenScores> {
  const from = options.from ?? 1;
  const chunkTokens = options.chunkTokens ?? 256;
  checkScoreRange(ids.length, from, chunkTokens);
  const logProbs = new Float64Array(ids.length - from);
  const best = new Int32Array(ids.length - from);
  for (let start = 0; start < ids.length - 1; start += chunkTokens) {
    const end = Math.min(start + chunkTokens, ids.length);
    // Position p predicts ids[p + 1]: scored when from <= p + 1 <= ids.length - 1.
    const first = Math.max(start, from - 1);
    const last = Math.min(end, ids.length - 1);
    const rows: number[] = [];
    for (let position = first; position < last; position++) rows.push(position - start);
    // A chunk of context only still fills the cache; its one logit row is ignored.
    const logits = await forward(ids.slice(start, end), rows.length > 0 ? rows : [end - start - 1]);
    for (let row = 0; row < rows.length; row++) {
      const position = start + rows[row]!;
      const scored = logSoftmaxAt(logits, row * vocabSize, vocabSize, ids[position + 1]!);
      logProbs[position + 1 - from] = scored.logProb;
      best[position + 1 - from] = scored.argmax;
    }
  }
  return { logProbs, argmax: best };
}

/**
 * `log softmax(row)[target]` and the row's argmax, for the row of `vocabSize`
 * logits at `offset`, in float64 (max subtracted first).
 */
export function logSoftmaxAt(
  logits: Float32Array,
  offset: number,
  vocabSize: number,
  target: number,
): { logProb: number; argmax: number } {
  let max = Number.NEGATIVE_INFINITY;
  let argmax = 0;
  for (let index = 0; index < vocabSize; index++) {
    const value = logits[offset + index]!;
    if (value > max) {
      max = value;
      argmax = index;
    }
  }
  let sum = 0;
  for (let index = 0; index < vocabSize; index++) sum += Math.exp(logits[offset + index]! - max);
  return { logProb: logits[offset + target]! - max - Math.log(sum), argmax };
}

function checkScoreRange(length: number, from: number, chunkTokens: number): void {
  if (length < 2) {
    throw new PromptError({
      kind: 'other',
      reason: `scoreTokens() needs at least two token ids (one of context, one to score), got ${length}.`,
      hint: 'Pass a longer text or window.',
    });
  }
  if (!Number.isInteger(from) || from < 1 || from > length - 1) {
    throw new PromptError({
      kind: 'other',
      reason: `scoreTokens() option from=${from} is outside [1, ${length - 1}] for ${length} token ids.`,
      hint: 'from is the first position scored; position 0 has no context to be scored from.',
    });
  }
  if (!Number.isInteger(chunkTokens) || chunkTokens < 1) {
    throw new PromptError({
      kind: 'other',
      reason: `scoreTokens() option chunkTokens=${chunkTokens} is not a positive integer.`,
      hint: 'Leave it out for the default (256).',
    });
  }
}
