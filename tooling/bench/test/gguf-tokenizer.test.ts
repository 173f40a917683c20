import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { GgufFile, type GgufValue, ggufTokenizer } from '@pio/gguf';
import {
  ggufTokenizerMetadata,
  loadTokenizerFiles,
  spmTestVocabulary,
  tokenizerTestStrings,
  writeVocabOnlyGguf,
} from '@pio/test-kit';
import { getLlama, type Llama, LlamaLogLevel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = await mkdtemp(join(tmpdir(), 'pio-gguf-tokenizer-'));
let llama: Llama;
beforeAll(async () => {
  // Quiet: a vocabulary-only file makes llama.cpp log a missing tensor before it loads the vocabulary.
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.disabled });
});
afterAll(() => rm(root, { recursive: true, force: true }));

const strings = tokenizerTestStrings(320);

/** The `tokenizer.ggml.*` keys of a kit tokenizer (byte-level BPE) as convert_hf_to_gguf.py writes them. */
async function bpeMetadata(name: 'gpt2' | 'llama3' | 'qwen3', pre: string): Promise<Record<string, GgufValue>> {
  const { tokenizerJson } = await loadTokenizerFiles(name);
  const json = tokenizerJson as {
    model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[] };
    added_tokens?: { id: number; content: string; special: boolean }[];
  };
  const ids = [...Object.values(json.model.vocab), ...(json.added_tokens ?? []).map((t) => t.id)];
  return ggufTokenizerMetadata(json, ids.reduce((a, b) => Math.max(a, b), 0) + 1, { pre });
}

// llama.cpp is the oracle: a vocabulary-only GGUF of each tokenizer kind the
// test kit writes is tokenized by node-llama-cpp (special tokens parsed, no
// BOS) and by @huggingface/tokenizers running the tokenizer.json that
// ggufTokenizer rebuilds from the same file's metadata.
describe.each([
  { label: 'gpt2 kind, llama-bpe pre-tokenizer (Llama 3 vocabulary)', make: () => bpeMetadata('llama3', 'llama-bpe') },
  { label: 'gpt2 kind, qwen2 pre-tokenizer (Qwen3 vocabulary)', make: () => bpeMetadata('qwen3', 'qwen2') },
  { label: 'gpt2 kind, gpt-2 pre-tokenizer (GPT-2 vocabulary)', make: () => bpeMetadata('gpt2', 'gpt-2') },
  { label: 'gpt2 kind, smollm pre-tokenizer (GPT-2 vocabulary)', make: () => bpeMetadata('gpt2', 'smollm') },
  { label: 'gpt2 kind, default pre-tokenizer (GPT-2 vocabulary)', make: () => bpeMetadata('gpt2', 'default') },
  { label: 'llama kind (SentencePiece with byte fallback)', make: async () => (await spmTestVocabulary()).metadata },
])('$label', ({ label, make }) => {
  it(`gives llama.cpp's token ids on ${strings.length} varied strings`, { timeout: 120_000 }, async () => {
    const file = join(root, `${label.replace(/\W+/g, '-')}.gguf`);
    await writeVocabOnlyGguf(file, await make());
    const gguf = await GgufFile.open(file);
    const rebuilt = ggufTokenizer(gguf.metadata);
    await gguf.close();
    const tokenizer = new Tokenizer(rebuilt.tokenizerJson, rebuilt.tokenizerConfig);
    const model = await llama.loadModel({ modelPath: file, vocabOnly: true });
    try {
      const mismatches: { text: string; llama: number[]; pio: number[] }[] = [];
      for (const text of strings) {
        const expected = [...model.tokenize(text, true)].map(Number);
        const actual = tokenizer.encode(text, { add_special_tokens: false }).ids;
        if (JSON.stringify(expected) !== JSON.stringify(actual))
          mismatches.push({ text, llama: expected, pio: actual });
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
      // With special tokens added, BOS comes first exactly when llama.cpp adds it.
      const withSpecial = tokenizer.encode('Hello', { add_special_tokens: true }).ids;
      expect(withSpecial[0] === rebuilt.special.bos).toBe(rebuilt.addBos);
    } finally {
      await model.dispose();
    }
  });
});
