import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { demoTokenizerName, loadTokenizerFiles, tokenizerInfo, tokenizerNames } from '../src/index.js';

const text = 'Hello world! Ünïcödé, 你好, emoji 🙂 and code: x => x * 2;';

describe.each(tokenizerNames)('the %s tokenizer', (name) => {
  it('loads in @huggingface/tokenizers and round-trips a string', async () => {
    const files = await loadTokenizerFiles(name);
    const tokenizer = new Tokenizer(files.tokenizerJson, files.tokenizerConfig);
    const { ids } = tokenizer.encode(text, { add_special_tokens: false });
    expect(ids.length).toBeGreaterThan(10);
    expect(ids.every((id) => id < tokenizerInfo[name].baseVocabSize)).toBe(true);
    expect(tokenizer.decode(ids, { skip_special_tokens: false })).toBe(text);
  });

  it('has the sizes and special ids tokenizerInfo claims', async () => {
    const { tokenizerJson, tokenizerConfig } = await loadTokenizerFiles(name);
    const info = tokenizerInfo[name];
    const model = tokenizerJson.model as { vocab: Record<string, number> };
    const added = tokenizerJson.added_tokens as { id: number; content: string }[];
    const idOf = (content: unknown) => added.find((token) => token.content === content)?.id;
    const ids = [...Object.values(model.vocab), ...added.map((token) => token.id)];
    // Ids below baseVocabSize are all ordinary vocabulary entries; the added (special) tokens start there.
    expect(Object.values(model.vocab).filter((id) => id < info.baseVocabSize)).toHaveLength(info.baseVocabSize);
    expect(ids.reduce((max, id) => Math.max(max, id), 0) + 1).toBe(info.tokenizerVocabSize);
    expect(Math.min(...added.map((token) => token.id))).toBe(info.baseVocabSize);
    expect(idOf(tokenizerConfig.eos_token)).toBe(info.eosTokenId);
    // Qwen3's tokenizer has no bos_token; its models use <|endoftext|> as bos_token_id.
    expect(idOf(tokenizerConfig.bos_token ?? '<|endoftext|>')).toBe(info.bosTokenId);
    expect(info.modelVocabSize).toBeGreaterThanOrEqual(info.tokenizerVocabSize);
  });
});

it('names the smallest tokenizer as the demo one', () => {
  const smallest = [...tokenizerNames].sort(
    (a, b) => tokenizerInfo[a].tokenizerVocabSize - tokenizerInfo[b].tokenizerVocabSize,
  )[0];
  expect(demoTokenizerName).toBe(smallest);
});
