/** Sizes the I/O of a decoder graph depends on. */
export interface DecoderIoShape {
  /** Decoder layers (one cache per layer). */
  numLayers: number;
  /** Query heads. */
  numHeads: number;
  /** Key/value heads. */
  numKvHeads: number;
  /** Size of one head. */
  headDim: number;
  /** Vocabulary size (columns of the logits). */
  vocabSize: number;
  /**
   * The cache holds keys only (PIO's engine I/O): no `past_value.{i}` /
   * `new_value.{i}`, and attention reads its values from the keys' rows.
   * Latent attention (GLM-4.7-Flash, DeepSeek-V3) caches one
   * `[latent | rotated key]` row per token this way, with `numKvHeads` 1 and
   * `headDim` the row's width.
   */
  keyOnlyCache?: boolean;
}

/**
 * The parts of a decoder graph that depend on how it is called: its inputs
 * and outputs, where positions come from, how the KV cache comes in and goes
 * out, and which rows get logits. Everything else (embedding, norms,
 * projections, MLP, LM head) is shared and works on token rows `[N, width]`,
 * N being every new token of every sequence.
 */
export interface DecoderGraphIo {
  /** int64 `[N]`: the new tokens, flattened. */
  readonly tokenIds: string;
  /**
   * Rotary embedding and attention of one layer, with its cache inputs and outputs.
   *
   * @param layer the layer index
   * @param projected rows `[N, heads * headDim]`: queries (already scaled), keys (both not yet rotated), values
   * @returns the attention output rows `[N, numHeads * headDim]`
   */
  attention(
    layer: number,
    projected: { query: string; key: string; value: string },
    options?: DecoderAttentionOptions,
  ): string;
  /**
   * Rotary embedding at this run's positions (rotate-half, the rotary caches'
   * width) of rows `[N, heads * headSize]`, for attentions that rotate only
   * part of each head and call `attention` with `rotated: true`. Absent in
   * I/O styles that do not offer it (`'optimum'`).
   */
  rotate?(x: string, heads: number, headSize: number): string;
  /** The rows `[L, hidden]` of the last hidden state (`[N, hidden]`) that get logits. */
  logitRows(hidden: string): string;
  /** Declares the logits output from rows `[L, vocab]`. */
  outputLogits(logits: string): void;
}

/** The rotary caches an I/O applies (initializer names, `[maxPositions, rotaryDim / 2]`). */
export interface DecoderIoRotary {
  /** Cosine cache. */
  cos: string;
  /** Sine cache. */
  sin: string;
}

/** Options of {@link DecoderGraphIo.attention}. */
export interface DecoderAttentionOptions {
  /** The query and key are already rotated (by {@link DecoderGraphIo.rotate}): no rotary inside. */
  rotated?: boolean;
}
