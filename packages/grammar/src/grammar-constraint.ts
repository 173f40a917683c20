import type { GrammarMatcher } from '@mlc-ai/web-xgrammar';

/**
 * One generation's grammar state: masks a row of logits to the tokens the
 * grammar allows next, then follows the token that was chosen. The end of
 * sequence is allowed only where the grammar is complete. Fits the engine's
 * `LogitsConstraint` hook; one per generation (it is stateful), not shared.
 */
export class GrammarConstraint {
  private readonly matcher: GrammarMatcher;
  private disposed = false;

  /** Wraps a fresh matcher; `vocabSize` is the width of the logits rows. */
  constructor(
    matcher: GrammarMatcher,
    readonly vocabSize: number,
  ) {
    this.matcher = matcher;
  }

  /**
   * Sets every token the grammar does not allow next to `-Infinity`, in place,
   * in `logits[offset, offset + vocabSize)`.
   */
  async mask(logits: Float32Array, offset = 0): Promise<void> {
    const bitmask = await this.matcher.getNextTokenBitmask();
    const end = Math.min(this.vocabSize, logits.length - offset);
    for (let word = 0; word < bitmask.length; word++) {
      const bits = bitmask[word]!;
      if (bits === -1) continue; // all 32 allowed: the common case in free text
      const base = word * 32;
      const last = Math.min(32, end - base);
      for (let bit = 0; bit < last; bit++)
        if (((bits >>> bit) & 1) === 0) logits[offset + base + bit] = Number.NEGATIVE_INFINITY;
    }
  }

  /**
   * Advances past `tokenId`. Returns false when the grammar rejects it (a
   * token sampled without the mask); the state is then unchanged.
   */
  accept(tokenId: number): boolean {
    return this.matcher.acceptToken(tokenId);
  }

  /** True once an end-of-sequence token was accepted at a complete point of the grammar. */
  get isTerminated(): boolean {
    return this.matcher.isTerminated();
  }

  /** Frees the matcher's WASM memory. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.matcher.dispose();
  }
}
