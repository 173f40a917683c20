import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpointWeights } from '@pio/safetensors';
import { checkpointShapes, writeGgufCheckpoint, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufWeightSource } from './gguf-weight-source.js';
import { openGgufCheckpoint } from './open-gguf-checkpoint.js';

const root = await mkdtemp(join(tmpdir(), 'pio-gguf-config-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('qwen2 GGUF files', () => {
  it('synthesize a Qwen2ForCausalLM config.json and read q/k/v biases and q/k rows as stored', async () => {
    const { description: _description, ...recipe } = checkpointShapes['qwen2-untied-kv4'];
    const { dir } = await writeRandomCheckpoint(join(root, 'hf'), { ...recipe, seed: 2 });
    const file = join(root, 'qwen2.gguf');
    await writeGgufCheckpoint(dir, file, 'F32');

    const { config } = await openGgufCheckpoint(file);
    expect(config).toMatchObject({
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      num_attention_heads: 4,
      num_key_value_heads: 1,
      head_dim: 16,
      rope_theta: 1000000,
      tie_word_embeddings: false,
    });
    // The biases come with model_type qwen2: a Llama-style attention_bias would also ask for an o_proj bias.
    expect(config).not.toHaveProperty('attention_bias');

    const source = await GgufWeightSource.open(file, { numAttentionHeads: 4, numKeyValueHeads: 1, headDim: 16 });
    const weights = await openCheckpointWeights(dir);
    try {
      for (const name of ['q_proj.weight', 'k_proj.weight', 'q_proj.bias', 'k_proj.bias', 'v_proj.bias']) {
        expect(await source.read(`model.layers.1.self_attn.${name}`), name).toEqual(
          await weights.read(`model.layers.1.self_attn.${name}`),
        );
      }
      expect(source.has('model.layers.1.self_attn.o_proj.bias')).toBe(false);
    } finally {
      await Promise.all([weights.close(), source.close()]);
    }
  });
});

describe('rope scaling in GGUF files', () => {
  it('reads yarn (type, factor, original context) back as config.json rope_scaling', async () => {
    const { description: _description, ...recipe } = checkpointShapes['qwen3-rope-yarn'];
    const { dir } = await writeRandomCheckpoint(join(root, 'yarn'), { ...recipe, seed: 3 });
    const file = join(root, 'yarn.gguf');
    await writeGgufCheckpoint(dir, file, 'F32');
    const { config } = await openGgufCheckpoint(file);
    expect(config).toMatchObject({
      max_position_embeddings: 256,
      rope_scaling: { rope_type: 'yarn', factor: 8, original_max_position_embeddings: 32 },
    });
  });
});
