/**
 * The I/O names every decoder graph run by the engine uses. A model package's
 * graph builder must produce graphs with exactly these names and shapes
 * (batch size 1; `S` new tokens, `T` cached tokens, `R` = kvHeads × headDim,
 * or the model's own key/value row sizes, see {@link DecoderShape}):
 *
 * | name | type | shape | meaning |
 * | --- | --- | --- | --- |
 * | `input_ids` | int64 | `[S]` | the new tokens |
 * | `logit_indices` | int64 | `[L]` | which of the S new positions need logits |
 * | `past_key.{i}` / `past_value.{i}` | float32 | `[1 + T, R]` | layer i's cache, token-major (a zero-copy view); row 0 is padding the graph ignores |
 * | `logits` | float32 | `[L, vocab]` | logits at `logit_indices` |
 * | `new_key.{i}` / `new_value.{i}` | float32 | `[S, R]` | layer i's K (after RoPE) and V of the new tokens |
 *
 * A model whose {@link DecoderShape.valueRowSize} is 0 (latent attention: one
 * compressed row per token) has no `past_value.{i}` / `new_value.{i}`.
 *
 * Positions are `T + [0, S)`: graphs derive them from the past's length.
 *
 * Graphs that can run several sequences in one step (continuous batching)
 * have four more inputs; a graph without them runs one sequence at a time:
 *
 * | name | type | shape | meaning |
 * | --- | --- | --- | --- |
 * | `sequence_lengths` | int32 | `[B]` | each sequence's length after the step; `[0]` (empty) for a one-sequence run |
 * | `positions` | int64 | `[B × S]` | position of each new token (sequence-major; each sequence's S tokens are rotated on their own, so B × S may exceed `maxLength`); empty for a one-sequence run |
 * | `slot_key.{i}` / `slot_value.{i}` | float32 | `[B, kvHeads, C, headDim]` | layer i's cache slots, one per sequence (a zero-copy view of the pool); `[0, kvHeads, 0, headDim]` for a one-sequence run |
 *
 * A batched run feeds `input_ids` as B × S tokens (sequence-major), and each
 * `past_*` input as a lone padding row. S is 1 (a decode step over the
 * slots) or, with C = 0, the longest of B fresh prompts, right-padded.
 */
export const decoderIo = {
  inputIds: 'input_ids',
  logitIndices: 'logit_indices',
  logits: 'logits',
  pastKey: (layer: number) => `past_key.${layer}`,
  pastValue: (layer: number) => `past_value.${layer}`,
  newKey: (layer: number) => `new_key.${layer}`,
  newValue: (layer: number) => `new_value.${layer}`,
  batch: {
    sequenceLengths: 'sequence_lengths',
    positions: 'positions',
    slotKey: (layer: number) => `slot_key.${layer}`,
    slotValue: (layer: number) => `slot_value.${layer}`,
  },
} as const;

/** Sizes the engine needs to run a decoder graph. */
export interface DecoderShape {
  /** Decoder layers. */
  numLayers: number;
  /** Floats per token per layer in the cache's keys (`numKeyValueHeads * headDim` for standard attention). */
  rowSize: number;
  /**
   * Floats per token per layer in the cache's values, when they differ from
   * `rowSize`; 0 = the model keeps no values (no `past_value.{i}` / `new_value.{i}`
   * in its graph). Default `rowSize`.
   */
  valueRowSize?: number;
  /** Vocabulary size (columns of `logits`). */
  vocabSize: number;
  /** Longest sequence to run (the KV cache's size limit). */
  maxLength: number;
  /** Key/value heads (`rowSize` = heads × `headDim`); batched runs need it. */
  numKeyValueHeads?: number;
  /** Size of one head; batched runs need it. */
  headDim?: number;
}
