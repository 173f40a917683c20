import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { TestKitError } from '../errors/test-kit-error.js';
import { loadTokenizerFiles } from '../tokenizer/load-tokenizer-files.js';
import { trimTokenizer } from './trim-tokenizer.js';

const text = 'Hello world! Ünïcödé, 你好, emoji 🙂 and code: x => x * 2;<|endoftext|>';

describe('trimTokenizer', () => {
  it('cuts GPT-2 to SmolLM2’s 49,152 ids: every id fits, text round-trips, <|endoftext|> moves to the top', async () => {
    const files = await loadTokenizerFiles('gpt2');
    const trimmed = trimTokenizer(files, 49152);
    expect(trimmed.regularTokens).toBe(49151);
    expect([...trimmed.movedIds]).toEqual([[50256, 49151]]);

    const tokenizer = new Tokenizer(trimmed.tokenizerJson, trimmed.tokenizerConfig);
    const { ids } = tokenizer.encode(text, { add_special_tokens: false });
    expect(Math.max(...ids)).toBe(49151);
    expect(ids.at(-1)).toBe(49151);
    expect(tokenizer.decode(ids, { skip_special_tokens: false })).toBe(text);
    expect(tokenizer.token_to_id('<|endoftext|>')).toBe(49151);

    // Common words keep their single ids; rarer ones split into kept pieces.
    const original = new Tokenizer(files.tokenizerJson, files.tokenizerConfig);
    expect(tokenizer.encode(' the', { add_special_tokens: false }).ids).toEqual(
      original.encode(' the', { add_special_tokens: false }).ids,
    );
    // The input files are left alone.
    expect((files.tokenizerJson.added_tokens as { id: number }[])[0]!.id).toBe(50256);
  });

  it('renumbers added_tokens_decoder of tokenizer_config.json (Qwen3: 26 added tokens)', async () => {
    const files = await loadTokenizerFiles('qwen3');
    const trimmed = trimTokenizer(files, 1000);
    expect(trimmed.regularTokens).toBe(974);
    const decoder = trimmed.tokenizerConfig.added_tokens_decoder as Record<string, { content: string }>;
    expect(decoder['974']!.content).toBe('<|endoftext|>');
    expect(
      Object.keys(decoder)
        .map(Number)
        .every((id) => id >= 974 && id < 1000),
    ).toBe(true);

    const tokenizer = new Tokenizer(trimmed.tokenizerJson, trimmed.tokenizerConfig);
    const { ids } = tokenizer.encode(text, { add_special_tokens: false });
    expect(ids.slice(0, -1).every((id) => id < 974)).toBe(true);
    expect(ids.at(-1)).toBe(974);
    expect(tokenizer.decode(ids, { skip_special_tokens: false })).toBe(text);
  });

  it('refuses sizes without room for the byte alphabet or above the tokenizer’s', async () => {
    const files = await loadTokenizerFiles('gpt2');
    expect(() => trimTokenizer(files, 256)).toThrowError(/cannot trim a tokenizer of 50257 ids \(1 added\) to 256/);
    expect(() => trimTokenizer(files, 60000)).toThrow(TestKitError);
    expect(() =>
      trimTokenizer({ tokenizerJson: { model: { type: 'Unigram' } }, tokenizerConfig: {} }, 300),
    ).toThrowError(/not a BPE/);
  });
});
