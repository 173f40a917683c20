import { tokenizerDir } from '@pio/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { IncrementalDecoder } from './incremental-decoder.js';

const replacement = '\uFFFD';

const texts = {
  emoji: 'Waving 👋🏽, a family 👨‍👩‍👧‍👦, a robot 🤖 and flags 🇯🇵🇫🇷 in a row: 🎉🎉🎉!',
  cjk: '世界你好。日本語のテキストと한국어 텍스트, mixed with English words and 中文标点：“引号”。',
  long: `${'The quick brown fox jumps over the lazy dog. '.repeat(3)}Ünïcödé ∑∫√ → ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀😃😄 終わり`,
};

const tokenizers: Record<string, TextTokenizer> = {};
beforeAll(async () => {
  for (const name of ['gpt2', 'llama3', 'qwen3'] as const) {
    tokenizers[name] = await TextTokenizer.fromCheckpoint(tokenizerDir(name));
  }
});

describe.each(['gpt2', 'llama3', 'qwen3'])('IncrementalDecoder over the %s tokenizer', (name) => {
  for (const [kind, text] of Object.entries(texts)) {
    it(`streams ${kind} text without a broken character, and the deltas add up to the full decode`, () => {
      const tokenizer = tokenizers[name]!;
      const decode = (ids: readonly number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });
      const ids = tokenizer.encode(text, { addSpecialTokens: false });
      // The text really splits characters across byte-level tokens: some single tokens decode to U+FFFD.
      if (kind !== 'long') expect(ids.some((id) => decode([id]).includes(replacement))).toBe(true);
      const decoder = new IncrementalDecoder(decode);
      const deltas = ids.map((id) => decoder.push(id));
      for (const delta of deltas) expect(delta).not.toContain(replacement);
      expect(deltas.join('')).toBe(decode(ids));
      expect(deltas.join('')).toBe(text);
      // Held-back tokens show as empty deltas, and never more than a character's worth in a row (4 bytes).
      let heldBack = 0;
      for (const delta of deltas) {
        heldBack = delta === '' ? heldBack + 1 : 0;
        expect(heldBack).toBeLessThan(4);
      }
    });
  }
});

describe('IncrementalDecoder', () => {
  it('decodes a constant-size window however long the stream gets', () => {
    const tokenizer = tokenizers.gpt2!;
    const ids = tokenizer.encode('Lorem ipsum dolor sit amet, 世界 '.repeat(40));
    const lengths: number[] = [];
    const decoder = new IncrementalDecoder((window) => {
      lengths.push(window.length);
      return tokenizer.decode(window);
    });
    let text = '';
    for (const id of ids) text += decoder.push(id);
    expect(text).toBe(tokenizer.decode(ids));
    expect(ids.length).toBeGreaterThan(400);
    // 9 tokens before a restart, plus the few of a character still held back then.
    expect(Math.max(...lengths)).toBeLessThanOrEqual(12);
  });

  it('keeps the text right when a window starts in the middle of a character', () => {
    const tokenizer = tokenizers.llama3!;
    // Many multi-token characters in a row: window restarts land inside some of them.
    const text = '🤖🦾🧠'.repeat(12);
    const ids = tokenizer.encode(text);
    const decoder = new IncrementalDecoder((window) => tokenizer.decode(window));
    const deltas = ids.map((id) => decoder.push(id));
    expect(deltas.join('')).toBe(text);
    expect(deltas.some((delta) => delta.includes(replacement))).toBe(false);
  });
});
