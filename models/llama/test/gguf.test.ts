import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError, NoPluginForCheckpointError, PluginManager } from '@pio/core';
import { gguf, writeGgufFile } from '@pio/gguf';
import { describeGgufSuite } from '@pio/test-kit';
import { describe, expect, it } from 'vitest';
import { createLlamaPlugin } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

// Grouped-query attention 4:2 and an untied head: q and k are permuted with different head counts.
describeGgufSuite({
  packageDir,
  createPlugin: createLlamaPlugin,
  shape: 'llama-kv2',
  label: 'Llama',
  layoutNote: 'q/k rows unpermuted',
  extra: ({ root, start }) => {
    it('unsupported architectures and missing tokenizer metadata are typed errors naming what is wrong', async () => {
      const manager = new PluginManager();
      const packageJson = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      manager.register({ packageJson, packageDir, factory: createLlamaPlugin });
      const gemma = join(root(), 'gemma.gguf');
      await writeGgufFile(gemma, { metadata: { 'general.architecture': gguf.string('gemma3') }, tensors: [] });
      const unsupported = await manager.findForCheckpoint(gemma).catch((e: unknown) => e);
      expect(NoPluginForCheckpointError.isInstance(unsupported)).toBe(true);
      expect((unsupported as Error).message).toMatch(/"gemma3".*llama/s);

      const noTokenizer = join(root(), 'no-tokenizer.gguf');
      await writeGgufFile(noTokenizer, {
        metadata: {
          'general.architecture': gguf.string('llama'),
          'llama.context_length': gguf.uint32(64),
          'llama.embedding_length': gguf.uint32(64),
          'llama.block_count': gguf.uint32(1),
          'llama.feed_forward_length': gguf.uint32(128),
          'llama.attention.head_count': gguf.uint32(4),
          'llama.attention.layer_norm_rms_epsilon': gguf.float32(1e-5),
          'llama.vocab_size': gguf.uint32(32),
        },
        tensors: [],
      });
      const missing = await start(noTokenizer).catch((e: unknown) => e);
      expect(CheckpointError.isInstance(missing)).toBe(true);
      expect((missing as Error).message).toContain('no-tokenizer.gguf');
      expect((missing as Error).message).toContain('tokenizer.ggml.model');
    });
  },
});

// Qwen2 as llama.cpp's qwen2: q/k/v biases (F32 vectors), no o_proj bias, q/k rows as Hugging Face stores them.
describe('Qwen2', () => {
  describeGgufSuite({
    packageDir,
    createPlugin: createLlamaPlugin,
    shape: 'qwen2-kv2',
    label: 'Qwen2',
    layoutNote: 'q/k/v biases read, rows not permuted',
  });
});
