import type { GrammarMatcher } from '@mlc-ai/web-xgrammar';

interface MatcherHandle {
  GetNextTokenBitmask(vocabSize: number): { size(): number; get(i: number): number; delete(): void };
}

/**
 * One generation's grammar state: masks a row of logits to the tokens the
 * grammar allows next, then follows the token that was chosen. The end of
 * sequence is allowed only where the grammar is complete. Fits the engine's
 * `LogitsConstraint` hook; one per generation (it is stateful), not shared.
 *
 * The next mask depends only on the grammar state, so it is computed as soon
 * as a token is accepted, while the model runs its next step; `mask` is then
 * synchronous (a batched step masks every sequence's row in one pass).
 */
export class GrammarConstraint {
  private readonly matcher: GrammarMatcher;
  private bitmask: Int32Array | undefined;
  private pending: Promise<void>;
  private generation = 0;
  private disposed = false;

  /** Wraps a fresh matcher; `vocabSize` is the width of the logits rows. */
  constructor(
    matcher: GrammarMatcher,
    readonly vocabSize: number,
  ) {
    this.matcher = matcher;
    this.pending = this.prefetch();
  }

  /** Resolves once the next mask is computed (the generation loop awaits it before masking). */
  ready(): Promise<void> {
    return this.pending;
  }

  /**
   * Sets every token the grammar does not allow next to `-Infinity`, in place,
   * in `logits[offset, offset + vocabSize)`.
   */
  mask(logits: Float32Array, offset = 0): void {
    const bitmask = this.bitmask ?? this.computeNow();
    const end = Math.min(this.vocabSize, logits.length - offset);
    let open = 0;
    for (let word = 0; word < bitmask.length; word++) if (bitmask[word] !== 0) open++;
    if (open * 4 < bitmask.length) {
      // Few tokens allowed (inside JSON, the usual case): keep them, fill the row natively, put them back.
      const row = logits.subarray(offset, offset + end);
      const kept: number[] = [];
      for (let word = 0; word < bitmask.length; word++) {
        const bits = bitmask[word]!;
        if (bits === 0) continue;
        const base = word * 32;
        for (let bit = 0; bit < 32 && base + bit < end; bit++) {
          if (((bits >>> bit) & 1) === 1) kept.push(base + bit, row[base + bit]!);
        }
      }
      row.fill(Number.NEGATIVE_INFINITY);
      for (let i = 0; i < kept.length; i += 2) row[kept[i]!] = kept[i + 1]!;
      return;
    }
    for (let word = 0; word < bitmask.length; word++) {
      const bits = bitmask[word]!;
      if (bits === -1) continue; // all 32 allowed: the common case in free text
      const base = word * 32;
      const last = Math.min(32, end - base);
      for (let bit = 0; bit < last; bit++) {
        if (((bits >>> bit) & 1) === 0) logits[offset + base + bit] = Number.NEGATIVE_INFINITY;
      }
    }
  }

  /**
   * Advances past `tokenId` and starts computing the next mask. Returns false
   * when the grammar rejects it (a token chosen without the mask); the state
   * is then unchanged.
   */
  accept(tokenId: number): boolean {
    if (this.disposed) return false;
    const accepted = this.matcher.acceptToken(tokenId);
    if (accepted && !this.matcher.isTerminated()) this.pending = this.prefetch();
    return accepted;
  }

  /** True once an end-of-sequence token was accepted at a complete point of the grammar. */
  get isTerminated(): boolean {
    return this.matcher.isTerminated();
  }

  /** Frees the matcher's WASM memory. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    // A prefetch may still be about to read the matcher: free it once that has run.
    void this.pending.finally(() => this.matcher.dispose());
  }

  private async prefetch(): Promise<void> {
    const generation = ++this.generation;
    this.bitmask = undefined;
    try {
      const bitmask = await this.matcher.getNextTokenBitmask();
      if (generation === this.generation) this.bitmask = bitmask;
    } catch {
      // Only after dispose (nothing reads the mask then) or a WASM fault; mask() then computes it directly.
    }
  }

  // Only when a step comes before the prefetch landed: element by element through the binding (~10 ms at 152k).
  private computeNow(): Int32Array {
    const handle = (this.matcher as unknown as { handle: MatcherHandle }).handle;
    const vector = handle.GetNextTokenBitmask(this.vocabSize);
    const bitmask = new Int32Array(vector.size());
    for (let i = 0; i < bitmask.length; i++) bitmask[i] = vector.get(i);
    vector.delete();
    this.bitmask = bitmask;
    return bitmask;
  }
}
