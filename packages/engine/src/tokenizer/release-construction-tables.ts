/**
 * The parts of an `@huggingface/tokenizers` 0.2.0 `Tokenizer` this module
 * touches: its BPE model and the parsed `tokenizer.json` it keeps.
 */
interface TokenizerInternals {
  model?: { merges?: unknown; bpe_ranks?: unknown; tokens_to_ids?: unknown; vocab?: unknown };
  tokenizer?: { model?: { type?: unknown; merges?: unknown; vocab?: unknown } };
}

/**
 * Drops the tables a BPE tokenizer of `@huggingface/tokenizers` 0.2.0 (the
 * exact version `@pio/engine` pins) reads only while it is built and then
 * keeps anyway: its split merge pairs (`model.merges`, used only to build
 * `bpe_ranks`), and the parsed `tokenizer.json`'s `model.merges` and
 * `model.vocab` (copied into `bpe_ranks`, `tokens_to_ids` and `vocab`).
 * Encoding, decoding and `get_vocab` read only the copies. Measured on
 * Llama 3's tokenizer (128k tokens, 280k merges), heap after GC: 84 → 40 MiB,
 * RSS +142 → +100 MiB. Touches nothing unless every copy is where that
 * version puts it, so another version or model type is left as it is.
 *
 * @returns whether the tables were dropped
 */
export function releaseConstructionTables(tokenizer: object): boolean {
  const { model, tokenizer: json } = tokenizer as TokenizerInternals;
  const raw = json?.model;
  const copied =
    model !== undefined &&
    raw !== undefined &&
    raw.type === 'BPE' &&
    model.bpe_ranks instanceof Map &&
    model.tokens_to_ids instanceof Map &&
    Array.isArray(model.vocab) &&
    Array.isArray(model.merges) &&
    Array.isArray(raw.merges) &&
    typeof raw.vocab === 'object' &&
    raw.vocab !== null;
  if (!copied) return false;
  delete model.merges;
  raw.merges = [];
  raw.vocab = {};
  return true;
}
