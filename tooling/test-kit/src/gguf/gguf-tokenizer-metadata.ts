import { type GgufValue, gguf } from '@pio/gguf';

/** llama.cpp's token types (`llama_token_type`). */
const tokenType = { normal: 1, control: 3, userDefined: 4, unused: 5 } as const;

/** The parts of a Hugging Face `tokenizer.json` a byte-level BPE GGUF vocabulary needs. */
interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens?: { id: number; content: string; special: boolean }[];
  pre_tokenizer?: unknown;
}

/**
 * llama.cpp's name for the pre-tokenizer (`tokenizer.ggml.pre`) of a
 * byte-level BPE tokenizer.json, told apart by its split regex: GPT-2's
 * ByteLevel regex (`gpt-2`), Llama 3's digits in threes (`llama-bpe`), Qwen2/3's
 * single digits (`qwen2`).
 */
export function detectGgufPreTokenizer(tokenizerJson: { pre_tokenizer?: unknown }): string {
  const text = JSON.stringify(tokenizerJson.pre_tokenizer ?? {});
  if (text.includes('\\\\p{N}{1,3}')) return 'llama-bpe';
  if (text.includes('\\\\p{N}|')) return 'qwen2';
  return 'gpt-2';
}

/**
 * The `tokenizer.ggml.*` metadata of a byte-level BPE tokenizer, as llama.cpp's
 * convert_hf_to_gguf.py writes it: every id up to `vocabSize` in order (ids
 * the tokenizer lacks become `[PAD<id>]` of type unused), added special tokens
 * as control tokens and other added tokens as user-defined, merges as
 * `"left right"` strings.
 *
 * @param tokenizerJson - The parsed tokenizer.json (a BPE model).
 * @param vocabSize - The model's `vocab_size` (rows of the embedding).
 * @param special - Special ids from config.json / generation_config.json.
 */
export function ggufTokenizerMetadata(
  tokenizerJson: TokenizerJson,
  vocabSize: number,
  special: {
    bosTokenId?: number | null;
    eosTokenId?: number | null;
    padTokenId?: number | null;
    addBosToken?: boolean;
    pre?: string;
    /** tokenizer_config.json's `chat_template`, written as `tokenizer.chat_template` as llama.cpp's converter does. */
    chatTemplate?: string;
  },
): Record<string, GgufValue> {
  if (tokenizerJson.model.type !== 'BPE')
    throw new TypeError(`only BPE tokenizers are written as GGUF, not ${tokenizerJson.model.type}`);
  const tokens: string[] = new Array(vocabSize);
  const types: number[] = new Array(vocabSize).fill(tokenType.unused);
  for (const [piece, id] of Object.entries(tokenizerJson.model.vocab)) {
    if (id < vocabSize) {
      tokens[id] = piece;
      types[id] = tokenType.normal;
    }
  }
  for (const added of tokenizerJson.added_tokens ?? []) {
    if (added.id >= vocabSize) continue;
    tokens[added.id] = added.content;
    types[added.id] = added.special ? tokenType.control : tokenType.userDefined;
  }
  for (let id = 0; id < vocabSize; id++) if (tokens[id] === undefined) tokens[id] = `[PAD${id}]`;
  const merges = tokenizerJson.model.merges.map((merge) => (typeof merge === 'string' ? merge : merge.join(' ')));
  const metadata: Record<string, GgufValue> = {
    'tokenizer.ggml.model': gguf.string('gpt2'),
    'tokenizer.ggml.pre': gguf.string(special.pre ?? detectGgufPreTokenizer(tokenizerJson)),
    'tokenizer.ggml.tokens': gguf.strings(tokens),
    'tokenizer.ggml.token_type': gguf.int32s(types),
    'tokenizer.ggml.merges': gguf.strings(merges),
  };
  if (typeof special.bosTokenId === 'number') metadata['tokenizer.ggml.bos_token_id'] = gguf.uint32(special.bosTokenId);
  if (typeof special.eosTokenId === 'number') metadata['tokenizer.ggml.eos_token_id'] = gguf.uint32(special.eosTokenId);
  if (typeof special.padTokenId === 'number')
    metadata['tokenizer.ggml.padding_token_id'] = gguf.uint32(special.padTokenId);
  metadata['tokenizer.ggml.add_bos_token'] = gguf.bool(special.addBosToken ?? false);
  if (special.chatTemplate !== undefined) metadata['tokenizer.chat_template'] = gguf.string(special.chatTemplate);
  return metadata;
}
