/**
 * How a tokenizer writes bytes in its vocabulary, in XGrammar's terms:
 * `byte_level` (GPT-2, Llama 3, Qwen: `Ġ` for a space), `byte_fallback`
 * (SentencePiece: `▁` and `<0x0A>` tokens) or `raw` (tokens are their text).
 */
export type VocabularyType = 'byte_level' | 'byte_fallback' | 'raw';

/** What the grammar compiler needs to know about a model's tokens. */
export interface TokenVocabulary {
  /** Every token as written in `tokenizer.json`, by id; `''` for ids with no token. */
  tokens: readonly string[];
  /**
   * Ids of special tokens (`special: true` added tokens: `<|im_start|>`, BOS,
   * ...). They are never allowed inside constrained output, so a JSON string
   * cannot contain a control token that would end or corrupt the turn.
   */
  specialTokenIds: readonly number[];
  /** How bytes are written in `tokens`. */
  vocabularyType: VocabularyType;
  /** True when the tokenizer puts a space before the text (SentencePiece `▁` prefix). */
  prependSpace: boolean;
  /** Width of a row of logits: the model's vocabulary size, which may exceed `tokens.length` (padding). */
  vocabSize: number;
  /** Ids that end a sequence; allowed only where the grammar is complete. */
  stopTokenIds: readonly number[];
}

/**
 * The vocabulary type and space handling of a Hugging Face tokenizer, from the
 * `type`s of its `decoder` (and of a `Sequence` decoder's steps), as XGrammar's
 * own Hugging Face loader decides them.
 */
export function detectVocabularyType(decoderTypes: readonly string[]): {
  vocabularyType: VocabularyType;
  prependSpace: boolean;
} {
  const vocabularyType: VocabularyType = decoderTypes.includes('ByteFallback')
    ? 'byte_fallback'
    : decoderTypes.includes('ByteLevel')
      ? 'byte_level'
      : 'raw';
  const prependSpace = decoderTypes.includes('Metaspace') || decoderTypes.includes('Strip');
  return { vocabularyType, prependSpace };
}

/** The `type` of a `tokenizer.json` decoder and of every step of a `Sequence` decoder. */
export function decoderTypesOf(decoder: unknown): string[] {
  if (decoder === null || typeof decoder !== 'object') return [];
  const { type, decoders } = decoder as { type?: unknown; decoders?: unknown };
  const own = typeof type === 'string' ? [type] : [];
  return Array.isArray(decoders) ? [...own, ...decoders.flatMap(decoderTypesOf)] : own;
}

/**
 * Builds a {@link TokenVocabulary} from a parsed `tokenizer.json` (its
 * `model.vocab`, `added_tokens` and `decoder`).
 *
 * @param options.vocabSize - Width of the logits; default the highest id plus one.
 * @param options.stopTokenIds - Ids that end a sequence (EOS, end of turn).
 */
export function vocabularyFromTokenizerJson(
  tokenizerJson: Record<string, unknown>,
  options: { vocabSize?: number; stopTokenIds: readonly number[] },
): TokenVocabulary {
  const tokens: string[] = [];
  const model = tokenizerJson.model as { vocab?: unknown } | undefined;
  const vocab = model?.vocab;
  if (Array.isArray(vocab)) {
    // Unigram: [[piece, score], ...] in id order.
    vocab.forEach((entry, id) => {
      tokens[id] = Array.isArray(entry) ? String(entry[0]) : String(entry);
    });
  } else if (vocab && typeof vocab === 'object') {
    for (const [token, id] of Object.entries(vocab as Record<string, number>)) tokens[id] = token;
  }
  const specialTokenIds: number[] = [];
  for (const added of (tokenizerJson.added_tokens as { id: number; content: string; special?: boolean }[]) ?? []) {
    tokens[added.id] = added.content;
    if (added.special) specialTokenIds.push(added.id);
  }
  for (let id = 0; id < tokens.length; id++) tokens[id] ??= '';
  return {
    tokens,
    specialTokenIds,
    ...detectVocabularyType(decoderTypesOf(tokenizerJson.decoder)),
    vocabSize: Math.max(options.vocabSize ?? 0, tokens.length),
    stopTokenIds: options.stopTokenIds,
  };
}
