/**
 * A constraint on the next token, applied to the logits before sampling (in
 * every sampling mode, greedy included): `@pio/grammar`'s `GrammarConstraint`
 * fits it. The generation loop awaits `ready`, calls `mask` on the row,
 * samples, then `accept`s the chosen id; `dispose` when the generation ends.
 */
export interface LogitsConstraint {
  /** Resolves once `mask` can run without blocking (the next mask is precomputed). */
  ready?(): Promise<void>;
  /** Sets the logits of every token not allowed next to `-Infinity`, in place, in `logits[offset, offset + vocabSize)`. */
  mask(logits: Float32Array, offset?: number): void;
  /** Follows the chosen token; false when the constraint rejects it. */
  accept(tokenId: number): boolean;
  /** Frees what the constraint holds. */
  dispose?(): void;
}
