import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { GgufFile, ggufTokenizer } from '@pio/gguf';
import { afterAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from '../checkpoint/write-random-checkpoint.js';
import { writeDequantizedGguf } from './dequantize-gguf-file.js';
import { writeGgufCheckpoint } from './write-gguf-checkpoint.js';

const root = await mkdtemp(join(tmpdir(), 'pio-kit-gguf-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('writeGgufCheckpoint', () => {
  it('embeds the SentencePiece test vocabulary padded to vocab_size, and falls back to Q8_0 for rows of 64', async () => {
    const dir = join(root, 'hf');
    const written = await writeRandomCheckpoint(dir, { arch: 'llama', tokenizer: 'gpt2', seed: 3 });
    const file = join(root, 'spm.gguf');
    await writeGgufCheckpoint(dir, file, 'Q4_K_M', { tokenizer: 'spm' });
    const gguf = await GgufFile.open(file);
    try {
      expect(gguf.metadata.getString('tokenizer.ggml.model')).toBe('llama');
      const tokens = gguf.metadata.getStringArray('tokenizer.ggml.tokens');
      expect(tokens).toHaveLength(written.config.vocab_size);
      expect(tokens.at(-1)).toBe(`[PAD${written.config.vocab_size - 1}]`);
      // hidden 64 is no whole 256-weight super-block: every matrix falls back to Q8_0.
      expect(new Set(gguf.tensors.map((t) => t.type))).toEqual(new Set(['F32', 'Q8_0']));
      const built = ggufTokenizer(gguf.metadata);
      const tokenizer = new Tokenizer(built.tokenizerJson, built.tokenizerConfig);
      const ids = tokenizer.encode('Hello world', { add_special_tokens: true }).ids;
      expect(ids[0]).toBe(1);
      expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe('Hello world');
    } finally {
      await gguf.close();
    }
    const f32 = join(root, 'f32.gguf');
    await writeDequantizedGguf(file, f32);
    const copy = await GgufFile.open(f32);
    const original = await GgufFile.open(file);
    try {
      expect(copy.tensors.every((t) => t.type === 'F32')).toBe(true);
      expect(await copy.readTensorFloat32('blk.0.attn_q.weight')).toEqual(
        await original.readTensorFloat32('blk.0.attn_q.weight'),
      );
    } finally {
      await copy.close();
      await original.close();
    }
  });
});
