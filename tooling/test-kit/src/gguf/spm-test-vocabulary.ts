import { type GgufValue, gguf } from '@pio/gguf';
import { loadTokenizerFiles } from '../tokenizer/load-tokenizer-files.js';

/** llama.cpp's token types (`llama_token_type`). */
const type = { normal: 1, unknown: 2, control: 3, userDefined: 4, byte: 6 } as const;

/** GPT-2's byte ↔ printable-character table (`bytes_to_unicode`), inverted. */
function byteLevelDecoder(): Map<string, number> {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const char = printable.includes(b) ? b : 256 + extra++;
    map.set(String.fromCodePoint(char), b);
  }
  return map;
}

/** What {@link spmTestVocabulary} returns. */
export interface SpmTestVocabulary {
  /** Pieces by id. */
  tokens: string[];
  /** Scores by id (higher merges first). */
  scores: number[];
  /** llama.cpp token types by id. */
  types: number[];
  /** The `tokenizer.ggml.*` metadata of a `llama` (SentencePiece) tokenizer over these pieces. */
  metadata: Record<string, GgufValue>;
}

/**
 * A small SentencePiece-style vocabulary (`tokenizer.ggml.model` `llama`), derived from
 * GPT-2's tokenizer shipped with the kit: `<unk>`, `<s>`, `</s>`, the 256
 * byte-fallback pieces `<0x00>`..`<0xFF>`, two control tokens (`<|im_start|>`,
 * `<|im_end|>`), one user-defined token (`<tool>`), then the pieces of GPT-2's
 * first `merges` merges that are whole UTF-8 text, spaces written `▁`, each
 * merged piece scored by its merge rank (earlier is higher). Characters it
 * lacks (most of CJK, emoji) fall back to bytes, as in Llama 2.
 *
 * @param merges - How many of GPT-2's merges to take (default 6000).
 */
export async function spmTestVocabulary(merges = 6000): Promise<SpmTestVocabulary> {
  const { tokenizerJson } = await loadTokenizerFiles('gpt2');
  const model = tokenizerJson.model as { merges: (string | [string, string])[] };
  const decode = byteLevelDecoder();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const text = (piece: string): string | undefined => {
    const bytes = Uint8Array.from(Array.from(piece), (c) => decode.get(c) ?? 0);
    try {
      return utf8.decode(bytes).replaceAll(' ', '▁');
    } catch {
      return undefined;
    }
  };
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types: number[] = [type.unknown, type.control, type.control];
  const scores: number[] = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(type.byte);
    scores.push(0);
  }
  for (const [piece, kind] of [
    ['<|im_start|>', type.control],
    ['<|im_end|>', type.control],
    ['<tool>', type.userDefined],
  ] as const) {
    tokens.push(piece);
    types.push(kind);
    scores.push(0);
  }
  const seen = new Set(tokens);
  const add = (piece: string, score: number) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    tokens.push(piece);
    types.push(type.normal);
    scores.push(score);
  };
  // Single characters first (never formed by a merge: their score does not matter).
  for (let c = 32; c < 127; c++) add(c === 32 ? '▁' : String.fromCharCode(c), -1e6);
  for (const c of 'éèàüöäßçñ€£°–—“”‘’…') add(c, -1e6);
  const pieces = model.merges.slice(0, merges);
  pieces.forEach((merge, rank) => {
    const [left, right] = typeof merge === 'string' ? (merge.split(' ') as [string, string]) : merge;
    const l = text(left);
    const r = text(right);
    const joined = text(left + right);
    if (l === undefined || r === undefined || joined === undefined) return;
    if (!seen.has(l) || !seen.has(r)) return;
    add(joined, -rank);
  });
  const metadata: Record<string, GgufValue> = {
    'tokenizer.ggml.model': gguf.string('llama'),
    'tokenizer.ggml.tokens': gguf.strings(tokens),
    'tokenizer.ggml.scores': gguf.float32s(scores),
    'tokenizer.ggml.token_type': gguf.int32s(types),
    'tokenizer.ggml.bos_token_id': gguf.uint32(1),
    'tokenizer.ggml.eos_token_id': gguf.uint32(2),
    'tokenizer.ggml.unknown_token_id': gguf.uint32(0),
    'tokenizer.ggml.add_bos_token': gguf.bool(true),
    'tokenizer.ggml.add_eos_token': gguf.bool(false),
  };
  return { tokens, scores, types, metadata };
}
