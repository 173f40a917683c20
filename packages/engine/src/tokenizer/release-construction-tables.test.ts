import { Tokenizer } from '@huggingface/tokenizers';
import { loadTokenizerFiles } from '@pio/test-kit';
import { describe, expect, it } from 'vitest';
import { releaseConstructionTables } from './release-construction-tables.js';

const texts = ['Hello world', '  spaces\tand\nnewlines ', 'Emoji 👋🏽 and CJK 世界你好', 'const x = (a, b) => a || b;'];

async function libraryTokenizer(name: 'gpt2' | 'llama3' | 'qwen3'): Promise<Tokenizer> {
  const { tokenizerJson, tokenizerConfig } = await loadTokenizerFiles(name);
  return new Tokenizer(tokenizerJson, tokenizerConfig);
}

describe('releaseConstructionTables', () => {
  it.each(['gpt2', 'llama3', 'qwen3'] as const)(
    '%s: drops the construction tables and encodes, decodes and lists the vocabulary as before',
    async (name) => {
      const kept = await libraryTokenizer(name);
      const released = await libraryTokenizer(name);
      expect(releaseConstructionTables(released)).toBe(true);
      const internals = released as unknown as { model: { merges?: unknown }; tokenizer: { model: object } };
      expect(internals.model.merges).toBeUndefined();
      expect(internals.tokenizer.model).toMatchObject({ merges: [], vocab: {} });
      for (const text of texts) {
        const ids = kept.encode(text).ids;
        expect(released.encode(text).ids).toEqual(ids);
        expect(released.decode(ids)).toBe(kept.decode(ids));
      }
      expect([...released.get_vocab(true)]).toEqual([...kept.get_vocab(true)]);
      // A second call finds nothing left to drop.
      expect(releaseConstructionTables(released)).toBe(false);
    },
  );

  it('leaves an object that is not such a tokenizer alone', () => {
    const other = { model: { merges: [['a', 'b']] }, tokenizer: { model: { type: 'Unigram', vocab: [] } } };
    expect(releaseConstructionTables(other)).toBe(false);
    expect(other.model.merges).toEqual([['a', 'b']]);
  });
});
