import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { GgufFileError } from '../errors/gguf-file-error.js';
import { type GgufValue, gguf } from '../format/gguf-value-type.js';
import { GgufMetadata } from '../read/gguf-metadata.js';
import { ggufTokenizer } from './gguf-tokenizer.js';
import { spmMerges } from './spm-merges.js';

const meta = (entries: Record<string, GgufValue>) => new GgufMetadata(new Map(Object.entries(entries)), 'm.gguf');

describe('ggufTokenizer', () => {
  it('rebuilds a SentencePiece vocabulary: ▁ for spaces, merges by score, byte fallback, BOS', () => {
    const tokens = ['<unk>', '<s>', '</s>', '<0xE2>', '<0x82>', '<0xAC>', '▁', 'h', 'i', 'hi', '▁hi', '!'];
    const types = [2, 3, 3, 6, 6, 6, 1, 1, 1, 1, 1, 1];
    const scores = [0, 0, 0, 0, 0, 0, -100, -100, -100, -2, -1, -100];
    const built = ggufTokenizer(
      meta({
        'general.architecture': gguf.string('llama'),
        'tokenizer.ggml.model': gguf.string('llama'),
        'tokenizer.ggml.tokens': gguf.strings(tokens),
        'tokenizer.ggml.scores': gguf.float32s(scores),
        'tokenizer.ggml.token_type': gguf.int32s(types),
        'tokenizer.ggml.bos_token_id': gguf.uint32(1),
        'tokenizer.ggml.eos_token_id': gguf.uint32(2),
        'tokenizer.ggml.unknown_token_id': gguf.uint32(0),
        'tokenizer.chat_template': gguf.string('{{ messages }}'),
      }),
    );
    expect(built.kind).toBe('llama');
    expect(built.addBos).toBe(true);
    expect(built.tokenizerConfig).toMatchObject({
      bos_token: '<s>',
      eos_token: '</s>',
      chat_template: '{{ messages }}',
    });
    const tokenizer = new Tokenizer(built.tokenizerJson, built.tokenizerConfig);
    // "▁hi" (score −1) outranks "hi" (−2); "€" has no piece and falls back to its three bytes.
    expect(tokenizer.encode('hi hi!€', { add_special_tokens: false }).ids).toEqual([10, 10, 11, 3, 4, 5]);
    expect(tokenizer.encode('hi', { add_special_tokens: true }).ids).toEqual([1, 10]);
    expect(tokenizer.encode('hi</s>', { add_special_tokens: false }).ids).toEqual([10, 2]);
  });

  it('orders SentencePiece merges by the merged piece’s score, then by the ids of the left and right pieces', () => {
    expect(spmMerges(['a', 'b', 'ab', 'abb', 'bb'], [0, 0, -2, -1, -3], () => true)).toEqual([
      ['a', 'bb'],
      ['ab', 'b'],
      ['a', 'b'],
      ['b', 'b'],
    ]);
  });

  it('rebuilds a byte-level BPE with the split regexes of its pre-tokenizer', () => {
    const tokens = ['a', 'b', 'ab', 'Ġ', 'Ġab', '1', '<|end|>'];
    const built = ggufTokenizer(
      meta({
        'tokenizer.ggml.model': gguf.string('gpt2'),
        'tokenizer.ggml.pre': gguf.string('qwen2'),
        'tokenizer.ggml.tokens': gguf.strings(tokens),
        'tokenizer.ggml.token_type': gguf.int32s([1, 1, 1, 1, 1, 1, 3]),
        'tokenizer.ggml.merges': gguf.strings(['a b', 'Ġ ab']),
        'tokenizer.ggml.eos_token_id': gguf.uint32(6),
      }),
    );
    expect(built.addBos).toBe(false);
    const tokenizer = new Tokenizer(built.tokenizerJson, built.tokenizerConfig);
    expect(tokenizer.encode('ab ab11<|end|>', { add_special_tokens: false }).ids).toEqual([2, 4, 5, 5, 6]);
  });

  it('missing-tokenizer: no vocabulary, another tokenizer kind, an unknown pre-tokenizer', () => {
    const failure = (entries: Record<string, GgufValue>) => {
      try {
        ggufTokenizer(meta(entries));
      } catch (error) {
        if (GgufFileError.isInstance(error)) return error;
      }
      throw new Error('expected a GgufFileError');
    };
    const none = failure({ 'general.architecture': gguf.string('llama') });
    expect(none.kind).toBe('missing-tokenizer');
    expect(none.message).toMatch(/m\.gguf, "tokenizer\.ggml\.model": the file has no tokenizer/);
    expect(none.hint).toMatch(/convert_hf_to_gguf|Hugging Face folder/);
    expect(failure({ 'tokenizer.ggml.model': gguf.string('bert') }).message).toMatch(/"bert" is not one PIO rebuilds/);
    const noTokens = failure({ 'tokenizer.ggml.model': gguf.string('gpt2') });
    expect(noTokens.entry).toBe('tokenizer.ggml.tokens');
    const pre = failure({
      'tokenizer.ggml.model': gguf.string('gpt2'),
      'tokenizer.ggml.pre': gguf.string('klingon'),
      'tokenizer.ggml.tokens': gguf.strings(['a']),
      'tokenizer.ggml.merges': gguf.strings([]),
    });
    expect(pre.entry).toBe('tokenizer.ggml.pre');
    expect(pre.message).toMatch(/"klingon" is not one PIO knows/);
  });
});
