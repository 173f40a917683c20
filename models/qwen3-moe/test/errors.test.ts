import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPluginPackage } from '@pio/conformance';
import { InsufficientMemoryError } from '@pio/core';
import { GraphError } from '@pio/onnx';
import { TensorShapeError } from '@pio/safetensors';
import { checkpointShapes, editCheckpointConfig, useBrokenCheckpoints } from '@pio/test-kit';
import { describe, expect, it } from 'vitest';
import { createQwen3MoePlugin, type Qwen3MoePlugin } from '../src/index.js';

// The checks every decoder shares (missing files, damaged weights, plugin state) run in
// @pio/model-llama's errors.test.ts; these are the ones where a mixture of experts differs.

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

async function createPlugin(): Promise<Qwen3MoePlugin> {
  const { metadata } = await readPluginPackage(packageDir);
  return createQwen3MoePlugin({ metadata, packageDir });
}

const { description: _description, ...recipe } = checkpointShapes['qwen3-moe-norm'];
const checkpoints = useBrokenCheckpoints({ createPlugin, checkpoint: { ...recipe, seed: 23 } });
const { copyOfGood, initializeFailure, rewriteWeights } = checkpoints;

describe('Qwen3-MoE configs and weights the plugin refuses', () => {
  it('num_experts_per_tok above num_experts: ConfigError naming the key and the limit, nothing built', async () => {
    const { error } = await checkpoints.configError({ num_experts_per_tok: 9 });
    expect(error.message).toContain('Invalid Qwen3MoeConfig');
    expect(error.message).toContain('numExpertsPerTok = 9: must be at most numExperts (8)');
    expect(error.message).toContain('config.json key "num_experts_per_tok"');
  });

  it('mlp_only_layers naming a layer the model does not have: ConfigError', async () => {
    const { error } = await checkpoints.configError({ mlp_only_layers: [1, 7] });
    expect(error.message).toContain('lists layers 7, but the model has 3');
  });

  it('a missing expert tensor: GraphError naming the layer, the expert and the tensor', async () => {
    const dir = await copyOfGood();
    const leftOut = 'model.layers.2.mlp.experts.5.up_proj.weight';
    await rewriteWeights(dir, (tensors) => {
      delete tensors[leftOut];
    });
    const error = await initializeFailure(dir);
    expect(GraphError.isInstance(error)).toBe(true);
    expect((error as GraphError).issues[0]).toMatchObject({ tensor: leftOut });
    expect(error.message).toContain(`${leftOut}`);
    expect(error.message).toContain('is missing from the checkpoint, but its config.json implies it');
  });

  it('an expert tensor of the wrong shape (transposed): TensorShapeError naming it and both shapes', async () => {
    const dir = await copyOfGood();
    const name = 'model.layers.0.mlp.experts.3.down_proj.weight';
    await rewriteWeights(dir, (tensors) => {
      const tensor = tensors[name]!;
      tensors[name] = { ...tensor, shape: [...tensor.shape].reverse() };
    });
    const error = await initializeFailure(dir);
    expect(TensorShapeError.isInstance(error)).toBe(true);
    expect(error.message).toContain(`Tensor "${name}"`);
    expect(error.message).toContain('has shape [48, 64] but [64, 48] was expected');
  });

  it('a config too large for the memory at float32 (Qwen3-30B-A3B): InsufficientMemoryError before any build, naming the dtype that fits', async () => {
    const dir = await copyOfGood();
    await editCheckpointConfig(dir, {
      hidden_size: 2048,
      num_hidden_layers: 48,
      num_attention_heads: 32,
      num_key_value_heads: 4,
      head_dim: 128,
      num_experts: 128,
      num_experts_per_tok: 8,
      moe_intermediate_size: 768,
      intermediate_size: 6144,
      mlp_only_layers: [],
      vocab_size: 151936,
    });
    const error = await initializeFailure(dir, { dtype: 'float32' });
    expect(InsufficientMemoryError.isInstance(error)).toBe(true);
    const memory = error as InsufficientMemoryError;
    expect(memory.neededBytes).toBeGreaterThan(100 * 1024 ** 3);
    expect(error.message).toContain('Qwen3MoeConfig');
    expect(error.message).toContain('at float32');
    expect(error.hint).toMatch(/--dtype int(4|8)/);
    expect(await readdir(join(dir, '.cache', 'builds')).catch(() => [])).toEqual([]);
  });
});
