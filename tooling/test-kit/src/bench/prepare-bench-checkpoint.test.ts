import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { buildHfConfig } from '@pio/demo';
import { openCheckpointWeights } from '@pio/safetensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBenchCheckpoint } from './prepare-bench-checkpoint.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-bench-checkpoint-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

describe('prepareBenchCheckpoint', () => {
  it('writes a vocabulary smaller than the tokenizer’s, with the tokenizer trimmed and special ids moved', async () => {
    const dir = join(root, 'small-vocab');
    const checkpoint = await prepareBenchCheckpoint(dir, {
      arch: 'llama',
      tokenizer: 'gpt2',
      config: { vocab_size: 1000, tie_word_embeddings: true },
    });
    expect(checkpoint.fromCache).toBe(false);
    expect(checkpoint.regularTokens).toBe(999);
    expect(checkpoint.tokenizerNote).toMatch(/gpt2 tokenizer \(50257 ids\) trimmed to vocab_size 1000/);
    expect((await readdir(dir)).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'pio-bench-checkpoint.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);

    const config = await readJson(join(dir, 'config.json'));
    expect([config.vocab_size, config.bos_token_id, config.eos_token_id, config.torch_dtype]).toEqual([
      1000,
      999,
      999,
      'bfloat16',
    ]);
    const generation = await readJson(join(dir, 'generation_config.json'));
    expect([generation.bos_token_id, generation.eos_token_id]).toEqual([999, 999]);

    const tokenizer = new Tokenizer(
      await readJson(join(dir, 'tokenizer.json')),
      await readJson(join(dir, 'tokenizer_config.json')),
    );
    const { ids } = tokenizer.encode('Benchmarks of PIO, 2 cores.<|endoftext|>', { add_special_tokens: false });
    expect(Math.max(...ids)).toBe(999);

    // hidden 64, 2 layers: embedding 1000 x 64 (tied) plus 2 x 53,376 per layer plus the final norm.
    const store = await openCheckpointWeights(dir);
    try {
      expect((await store.info('model.embed_tokens.weight')).shape).toEqual([1000, 64]);
      expect((await store.info('model.embed_tokens.weight')).dtype).toBe('BF16');
      expect(store.tensorNames()).not.toContain('lm_head.weight');
    } finally {
      await store.close();
    }
    expect(checkpoint.parameters).toBe(1000 * 64 + 2 * (64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 128 + 2 * 64) + 64);
    expect(checkpoint.fileBytes).toBe(checkpoint.parameters * 2);
  });

  it('reuses a checkpoint written from the same recipe and rewrites it for another', async () => {
    const dir = join(root, 'reuse');
    const recipe = {
      arch: 'qwen3' as const,
      tokenizer: 'gpt2' as const,
      config: { num_hidden_layers: 1 },
      dtype: 'float32' as const,
    };
    const first = await prepareBenchCheckpoint(dir, recipe);
    expect(first.tokenizerNote).toBeUndefined();
    expect(first.config).toEqual(buildHfConfig('qwen3', 'gpt2', 'float32', { num_hidden_layers: 1 }));

    const again = await prepareBenchCheckpoint(dir, recipe);
    expect([again.fromCache, again.writeMs, again.parameters]).toEqual([true, 0, first.parameters]);

    const reseeded = await prepareBenchCheckpoint(dir, { ...recipe, seed: 5 });
    expect(reseeded.fromCache).toBe(false);
  });
});
