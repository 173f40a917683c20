import { TestKitError } from '../errors/test-kit-error.js';
import type { TokenizerFiles } from '../tokenizer/load-tokenizer-files.js';

/** A BPE tokenizer cut down to fewer ids, and where its special tokens went. */
export interface TrimmedTokenizer {
  /** The new `tokenizer.json`. */
  tokenizerJson: Record<string, unknown>;
  /** The new `tokenizer_config.json` (`added_tokens_decoder` renumbered when present). */
  tokenizerConfig: Record<string, unknown>;
  /** Ids the tokenizer can produce now: exactly the `vocabSize` asked for. */
  vocabSize: number;
  /** Ordinary (non-added) tokens kept: ids `[0, regularTokens)`. */
  regularTokens: number;
  /** Old id of each added (special) token to its new id. */
  movedIds: ReadonlyMap<number, number>;
}

interface AddedToken {
  id: number;
  content: string;
  [key: string]: unknown;
}

/**
 * Cuts a byte-level BPE tokenizer (GPT-2, Llama 3, Qwen) down to `vocabSize`
 * ids, for checkpoints whose embedding is smaller than any tokenizer the kit
 * ships (SmolLM2's 49,152 rows). The ordinary tokens with the lowest ids are
 * kept, with every merge whose parts and result are all kept, so the result
 * is a consistent BPE that still encodes any text (the byte alphabet has the
 * lowest ids); the added (special) tokens move, in order, to the top ids.
 *
 * @param files - The parsed `tokenizer.json` and `tokenizer_config.json` (not changed).
 * @param vocabSize - Ids the trimmed tokenizer should have.
 * @returns The new files and where the special tokens went.
 * @throws TestKitError when the model is not BPE, or `vocabSize` leaves no room
 *   for the byte alphabet or exceeds the tokenizer's size.
 */
export function trimTokenizer(
  files: Pick<TokenizerFiles, 'tokenizerJson' | 'tokenizerConfig'>,
  vocabSize: number,
): TrimmedTokenizer {
  const json = structuredClone(files.tokenizerJson);
  const config = structuredClone(files.tokenizerConfig);
  const model = json.model as { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  if (model?.type !== 'BPE' || typeof model.vocab !== 'object' || !Array.isArray(model.merges)) {
    throw new TestKitError({
      where: 'trimTokenizer',
      message: `the tokenizer's model is ${String(model?.type)}, not a BPE with a vocab and merges.`,
      hint: 'Trim one of the kit’s byte-level BPE tokenizers: gpt2, llama3 or qwen3.',
    });
  }
  const added = ((json.added_tokens ?? []) as AddedToken[]).slice().sort((a, b) => a.id - b.id);
  let currentSize = 0;
  for (const id of Object.values(model.vocab)) currentSize = Math.max(currentSize, id + 1);
  for (const token of added) currentSize = Math.max(currentSize, token.id + 1);
  const regularTokens = vocabSize - added.length;
  // 256 byte symbols must survive, or some text could not be encoded at all.
  if (!Number.isInteger(vocabSize) || regularTokens < 256 || vocabSize > currentSize) {
    throw new TestKitError({
      where: 'trimTokenizer',
      message: `cannot trim a tokenizer of ${currentSize} ids (${added.length} added) to ${vocabSize}.`,
      hint: `Pass an integer from ${256 + added.length} to ${currentSize}.`,
    });
  }

  const addedContents = new Set(added.map((token) => token.content));
  const original = model.vocab;
  const vocab: Record<string, number> = {};
  for (const [token, id] of Object.entries(original)) {
    if (id < regularTokens && !addedContents.has(token)) vocab[token] = id;
  }
  const movedIds = new Map<number, number>();
  added.forEach((token, index) => {
    const id = regularTokens + index;
    movedIds.set(token.id, id);
    token.id = id;
    // GPT-2 lists <|endoftext|> in its vocab too; keep it there under its new id.
    if (token.content in original) vocab[token.content] = id;
  });
  model.vocab = vocab;
  model.merges = model.merges.filter((merge) => {
    const [left, right] = typeof merge === 'string' ? splitMerge(merge) : merge;
    return left in vocab && right in vocab && `${left}${right}` in vocab;
  });
  json.added_tokens = added;

  const decoder = config.added_tokens_decoder as Record<string, unknown> | undefined;
  if (decoder && typeof decoder === 'object') {
    config.added_tokens_decoder = Object.fromEntries(
      Object.entries(decoder).map(([id, token]) => [String(movedIds.get(Number(id)) ?? id), token]),
    );
  }
  return { tokenizerJson: json, tokenizerConfig: config, vocabSize, regularTokens, movedIds };
}

function splitMerge(merge: string): [string, string] {
  const space = merge.indexOf(' ', 1);
  return [merge.slice(0, space), merge.slice(space + 1)];
}
