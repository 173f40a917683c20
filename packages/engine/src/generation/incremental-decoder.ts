/** Decodes token ids to text; the tokenizer's `decode`. */
export type DecodeFn = (ids: readonly number[]) => string;

/**
 * Turns a stream of token ids into text deltas that never split a UTF-8
 * character: byte-level tokenizers emit a multi-byte character (emoji, CJK)
 * over several tokens, and decoding a prefix then shows U+FFFD. The decoder
 * holds text back while it ends in U+FFFD and re-decodes a short window, so
 * the cost per token stays constant.
 */
export class IncrementalDecoder {
  private readonly decode: DecodeFn;
  private ids: number[] = [];
  /** Index in `ids` where the current window starts. */
  private windowStart = 0;
  /** Text of ids[windowStart, ids.length) already emitted. */
  private emittedInWindow = '';

  /** Creates a decoder over the tokenizer's `decode`. */
  constructor(decode: DecodeFn) {
    this.decode = decode;
  }

  /** Adds a token and returns the text it completes ('' while a character is incomplete). */
  push(tokenId: number): string {
    this.ids.push(tokenId);
    const text = this.decode(this.ids.slice(this.windowStart));
    if (text.endsWith('\uFFFD')) return '';
    const delta = text.startsWith(this.emittedInWindow) ? text.slice(this.emittedInWindow.length) : text;
    this.emittedInWindow = text;
    // Keep a few tokens of context: some decoders (SentencePiece) drop or add a
    // leading space depending on what precedes.
    if (this.ids.length - this.windowStart > 8) {
      this.windowStart = this.ids.length - 4;
      this.emittedInWindow = this.decode(this.ids.slice(this.windowStart));
    }
    return delta;
  }
}
