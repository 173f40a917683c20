import { GgufFileError } from '../errors/gguf-file-error.js';
import type { GgufMetadata } from '../read/gguf-metadata.js';
import { llamaCppTokenTypes } from './llama-cpp-token-types.js';
import { ggufPreTokenizer, ggufPreTokenizerNames } from './pre-tokenizers.js';
import { spmMerges } from './spm-merges.js';
import { GgufTokenType } from './token-type.js';

export { GgufTokenType };

/** A tokenizer rebuilt from GGUF metadata, in the two files Hugging Face tokenizers read. */
export interface GgufTokenizer {
  /** `tokenizer.ggml.model`: `gpt2` (byte-level BPE) or `llama` (SentencePiece BPE with byte fallback). */
  kind: 'gpt2' | 'llama';
  /** `tokenizer.ggml.pre` (gpt2 kind), `undefined` for llama. */
  pre: string | undefined;
  /** A `tokenizer.json` that `@huggingface/tokenizers` (and the Rust `tokenizers`) load. */
  tokenizerJson: Record<string, unknown>;
  /** A `tokenizer_config.json`: special tokens, `add_bos_token`/`add_eos_token`, `chat_template`. */
  tokenizerConfig: Record<string, unknown>;
  /** Special token ids (`undefined` when the file names none). */
  special: { bos?: number; eos?: number; pad?: number; unk?: number };
  /** Whether llama.cpp adds BOS/EOS when asked to add special tokens. */
  addBos: boolean;
  /** See {@link GgufTokenizer.addBos}. */
  addEos: boolean;
}

interface AddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

function missing(metadata: GgufMetadata, key: string, reason: string): GgufFileError {
  return new GgufFileError({
    file: metadata.file,
    entry: key,
    kind: 'missing-tokenizer',
    reason,
    hint: 'Use a GGUF converted by llama.cpp’s convert_hf_to_gguf.py (it embeds the tokenizer), or run the Hugging Face folder instead.',
  });
}

function postProcessor(
  tokens: readonly string[],
  bos: number | undefined,
  eos: number | undefined,
  addBos: boolean,
  addEos: boolean,
): Record<string, unknown> | null {
  const pieces: Record<string, unknown>[] = [];
  const special: Record<string, unknown> = {};
  const add = (id: number) => {
    const token = tokens[id]!;
    special[token] = { id: token, ids: [id], tokens: [token] };
    return { SpecialToken: { id: token, type_id: 0 } };
  };
  const first = addBos && bos !== undefined ? [add(bos)] : [];
  const last = addEos && eos !== undefined ? [add(eos)] : [];
  if (first.length === 0 && last.length === 0) return null;
  pieces.push(...first, { Sequence: { id: 'A', type_id: 0 } }, ...last);
  return {
    type: 'TemplateProcessing',
    single: pieces,
    pair: [...pieces, ...first, { Sequence: { id: 'B', type_id: 1 } }, ...last],
    special_tokens: special,
  };
}

/**
 * Rebuilds a GGUF file's tokenizer (the `tokenizer.ggml.*` keys) as a
 * Hugging Face `tokenizer.json` + `tokenizer_config.json`, tokenizing like
 * llama.cpp does:
 * - `gpt2`: byte-level BPE with the file's merges, split first by the regexes
 *   of `tokenizer.ggml.pre` (`llama-bpe`, `qwen2`, `smollm`, `gpt-2`,
 *   `default`, ...; see {@link ggufPreTokenizer}), then bytes mapped as GPT-2;
 * - `llama`: SentencePiece (scores, `<0xXX>` byte fallback, `▁` for spaces
 *   and a `▁` prefix when `tokenizer.ggml.add_space_prefix` is not false),
 *   as BPE whose merges rank pieces by score ({@link spmMerges}).
 *
 * Control, unknown and user-defined tokens become added tokens (matched in
 * the text before splitting), with llama.cpp's own retyping of
 * control-looking texts ({@link llamaCppTokenTypes}), so ids equal
 * llama.cpp's `tokenize` with special tokens parsed. BOS/EOS follow `tokenizer.ggml.add_bos_token` /
 * `add_eos_token` (llama.cpp's defaults when absent: BOS for `llama` and the
 * Llama 3 family).
 *
 * @throws GgufFileError `missing-tokenizer` when the file has no vocabulary, a tokenizer kind other than gpt2/llama, or an unknown pre-tokenizer; `metadata-type` for keys of the wrong type.
 */
export function ggufTokenizer(metadata: GgufMetadata): GgufTokenizer {
  const model = metadata.findString('tokenizer.ggml.model');
  if (model === undefined) throw missing(metadata, 'tokenizer.ggml.model', 'the file has no tokenizer');
  if (model !== 'gpt2' && model !== 'llama') {
    throw missing(
      metadata,
      'tokenizer.ggml.model',
      `tokenizer kind "${model}" is not one PIO rebuilds (gpt2 and llama are)`,
    );
  }
  const tokens = metadata.findStringArray('tokenizer.ggml.tokens');
  if (!tokens || tokens.length === 0) throw missing(metadata, 'tokenizer.ggml.tokens', 'the file has no vocabulary');
  const types = llamaCppTokenTypes(tokens, metadata.findNumberArray('tokenizer.ggml.token_type') ?? []);
  const typeOf = (id: number) => types[id]!;
  const id = (key: string) => {
    const value = metadata.findInteger(key);
    return value !== undefined && value >= 0 && value < tokens.length ? value : undefined;
  };
  const special = {
    bos: id('tokenizer.ggml.bos_token_id'),
    eos: id('tokenizer.ggml.eos_token_id'),
    pad: id('tokenizer.ggml.padding_token_id'),
    unk: id('tokenizer.ggml.unknown_token_id'),
  };
  const pre = model === 'gpt2' ? metadata.findString('tokenizer.ggml.pre') : undefined;
  const preTokenizer = model === 'gpt2' ? ggufPreTokenizer(pre) : undefined;
  if (model === 'gpt2' && !preTokenizer) {
    throw missing(
      metadata,
      'tokenizer.ggml.pre',
      `pre-tokenizer "${pre}" is not one PIO knows (${ggufPreTokenizerNames.join(', ')})`,
    );
  }
  const defaultBos = model === 'llama' || preTokenizer?.ignoreMerges === true;
  const addBos = metadata.findBoolean('tokenizer.ggml.add_bos_token') ?? defaultBos;
  const addEos = metadata.findBoolean('tokenizer.ggml.add_eos_token') ?? false;

  // llama.cpp's token_to_id keeps the last id of a repeated string.
  const vocab: Record<string, number> = {};
  tokens.forEach((token, index) => {
    vocab[token] = index;
  });
  const added: AddedToken[] = [];
  tokens.forEach((token, index) => {
    const type = typeOf(index);
    if (type === GgufTokenType.CONTROL || type === GgufTokenType.UNKNOWN || type === GgufTokenType.USER_DEFINED) {
      added.push({
        id: index,
        content: token,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: type !== GgufTokenType.USER_DEFINED,
      });
    }
  });
  const post = postProcessor(tokens, special.bos, special.eos, addBos, addEos);

  let tokenizerJson: Record<string, unknown>;
  if (model === 'gpt2') {
    const merges = metadata.findStringArray('tokenizer.ggml.merges');
    if (!merges) throw missing(metadata, 'tokenizer.ggml.merges', 'a gpt2 (BPE) tokenizer needs its merges');
    tokenizerJson = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added,
      normalizer: null,
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          ...preTokenizer!.regexes.map((regex) => ({
            type: 'Split',
            pattern: { Regex: regex },
            behavior: 'Isolated',
            invert: false,
          })),
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
        ],
      },
      post_processor: post,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: preTokenizer!.ignoreMerges ?? false,
        vocab,
        merges,
      },
    };
  } else {
    const scores = metadata.findNumberArray('tokenizer.ggml.scores') ?? [];
    const addSpacePrefix = metadata.findBoolean('tokenizer.ggml.add_space_prefix') ?? true;
    const merges = spmMerges(tokens, scores, (index) => typeOf(index) === GgufTokenType.NORMAL);
    const replace = { type: 'Replace', pattern: { String: ' ' }, content: '▁' };
    tokenizerJson = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added,
      normalizer: addSpacePrefix
        ? { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, replace] }
        : replace,
      pre_tokenizer: null,
      post_processor: post,
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          ...(addSpacePrefix ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
        ],
      },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: special.unk === undefined ? null : tokens[special.unk],
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: true,
        byte_fallback: true,
        ignore_merges: false,
        vocab,
        merges,
      },
    };
  }
  const name = (index: number | undefined) => (index === undefined ? null : tokens[index]);
  const chatTemplate = metadata.findString('tokenizer.chat_template');
  const tokenizerConfig: Record<string, unknown> = {
    add_bos_token: addBos,
    add_eos_token: addEos,
    bos_token: name(special.bos),
    eos_token: name(special.eos),
    pad_token: name(special.pad),
    unk_token: name(special.unk),
    clean_up_tokenization_spaces: false,
    model_max_length: metadata.findInteger(`${metadata.findString('general.architecture')}.context_length`) ?? null,
    ...(chatTemplate === undefined ? {} : { chat_template: chatTemplate }),
  };
  return { kind: model, pre, tokenizerJson, tokenizerConfig, special, addBos, addEos };
}
