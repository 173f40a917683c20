import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpointWeights } from '@pio/safetensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decoderWeightShapes,
  type RandomCheckpoint,
  resolveDecoderShape,
  TestKitError,
  tokenizerDir,
  writeRandomCheckpoint,
} from '../src/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-test-kit-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Reads every tensor back through @pio/safetensors and compares it with what the writer returned. */
async function expectReadsBack(checkpoint: RandomCheckpoint, storedDtype: 'F32' | 'BF16'): Promise<void> {
  const store = await openCheckpointWeights(checkpoint.dir);
  try {
    expect(store.tensorNames().sort()).toEqual([...checkpoint.weights.keys()].sort());
    const shapes = decoderWeightShapes(resolveDecoderShape(checkpoint.arch, checkpoint.config));
    for (const [name, values] of checkpoint.weights) {
      const info = await store.info(name);
      expect(info.dtype).toBe(storedDtype);
      expect(info.shape).toEqual(shapes.get(name));
      expect(sameBytes(await store.read(name), values), name).toBe(true);
    }
  } finally {
    await store.close();
  }
}

describe('writeRandomCheckpoint', () => {
  it('writes a float32 Llama checkpoint in the Hugging Face layout that reads back exactly', async () => {
    const dir = join(root, 'llama-f32');
    const checkpoint = await writeRandomCheckpoint(dir, { arch: 'llama', tokenizer: 'gpt2', seed: 11 });
    expect((await readdir(dir)).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(checkpoint.weightFiles).toEqual([join(dir, 'model.safetensors')]);
    expect(checkpoint.weights.has('lm_head.weight')).toBe(true);
    // 2 × (50257 × 64) embedding and head, plus 2 layers of 4·64·64/… projections, all F32.
    expect(checkpoint.weightBytes).toBe(
      4 * (2 * 50257 * 64 + 64 + 2 * (2 * 64 + 64 * 64 * 2 + 2 * 32 * 64 + 3 * 64 * 128)),
    );
    await expectReadsBack(checkpoint, 'F32');

    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toEqual(checkpoint.config);
    expect(config).toMatchObject({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      vocab_size: 50257,
      torch_dtype: 'float32',
    });
    expect(JSON.parse(await readFile(join(dir, 'generation_config.json'), 'utf8'))).toEqual({
      _from_model_config: true,
      bos_token_id: 50256,
      eos_token_id: 50256,
      transformers_version: '4.51.3',
    });
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
      expect((await readFile(join(dir, file))).equals(await readFile(join(tokenizerDir('gpt2'), file)))).toBe(true);
    }
  });

  it('writes a tied BF16 Qwen3 checkpoint in 3 shards with an index, reading back to the BF16-rounded weights', async () => {
    const dir = join(root, 'qwen3-bf16-sharded');
    const checkpoint = await writeRandomCheckpoint(dir, {
      arch: 'qwen3',
      dtype: 'bfloat16',
      shards: 3,
      seed: 12,
      generationConfig: { max_new_tokens: 32 },
    });
    expect(checkpoint.tokenizer).toBe('qwen3');
    expect(checkpoint.config).toMatchObject({ torch_dtype: 'bfloat16', vocab_size: 151936, tie_word_embeddings: true });
    expect(checkpoint.weights.has('lm_head.weight')).toBe(false);
    expect(checkpoint.weights.has('model.layers.1.self_attn.k_norm.weight')).toBe(true);
    expect((await readdir(dir)).filter((name) => name.includes('safetensors')).sort()).toEqual([
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
      'model.safetensors.index.json',
    ]);
    const index = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8'));
    expect(Object.keys(index.weight_map).sort()).toEqual([...checkpoint.weights.keys()].sort());
    expect(index.metadata.total_size).toBe(checkpoint.weightBytes);
    await expectReadsBack(checkpoint, 'BF16');
    // Padding rows past the tokenizer's 151,669 ids are zero.
    expect(
      checkpoint.weights
        .get('model.embed_tokens.weight')!
        .subarray(151669 * 64)
        .every((v) => v === 0),
    ).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'generation_config.json'), 'utf8'))).toMatchObject({
      bos_token_id: 151643,
      eos_token_id: [151645, 151643],
      pad_token_id: 151643,
      max_new_tokens: 32,
    });

    // Writing again unsharded into the same folder leaves no stale shards behind.
    const again = await writeRandomCheckpoint(dir, { arch: 'qwen3', tokenizer: 'gpt2', seed: 12 });
    expect((await readdir(dir)).filter((name) => name.includes('safetensors'))).toEqual(['model.safetensors']);
    await expectReadsBack(again, 'F32');
  });

  it('is deterministic: the same options give the same bytes, another seed other weights', async () => {
    const config = { num_hidden_layers: 1, hidden_size: 32, intermediate_size: 64 };
    const options = { arch: 'llama', tokenizer: 'gpt2', seed: 5, config } as const;
    const a = await writeRandomCheckpoint(join(root, 'same-a'), options);
    const b = await writeRandomCheckpoint(join(root, 'same-b'), options);
    const c = await writeRandomCheckpoint(join(root, 'other'), { ...options, seed: 6 });
    const bytes = (checkpoint: RandomCheckpoint) => readFile(join(checkpoint.dir, 'model.safetensors'));
    expect((await bytes(a)).equals(await bytes(b))).toBe(true);
    expect((await bytes(a)).equals(await bytes(c))).toBe(false);
  });

  it('splits by maxShardBytes, and rejects an impossible shard count', async () => {
    const checkpoint = await writeRandomCheckpoint(join(root, 'by-bytes'), {
      arch: 'llama',
      tokenizer: 'gpt2',
      shards: { maxShardBytes: 200_000 },
    });
    // The two 12.9 MB vocabulary tensors get a shard each; the 2 layers fit in one or two more.
    expect(checkpoint.weightFiles.length).toBeGreaterThanOrEqual(3);
    await expectReadsBack(checkpoint, 'F32');
    await expect(
      writeRandomCheckpoint(join(root, 'too-many'), { arch: 'llama', tokenizer: 'gpt2', shards: 500 }),
    ).rejects.toSatisfy(TestKitError.isInstance);
  });
});
