import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPluginPackage } from '@pio/conformance';
import { ConfigError, InsufficientMemoryError } from '@pio/core';
import { GraphError } from '@pio/onnx';
import { TensorShapeError, type TensorToWrite, writeSafetensors } from '@pio/safetensors';
import {
  checkpointShapes,
  copyCheckpoint,
  decoderWeightShapes,
  editCheckpointConfig,
  initializeFailure as initializeKitFailure,
  type RandomCheckpoint,
  resolveDecoderShape,
  writeRandomCheckpoint,
} from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQwen3MoePlugin, type Qwen3MoePlugin } from '../src/index.js';

// The checks every decoder shares (missing files, damaged weights, plugin state) run in
// @pio/model-llama's errors.test.ts; these are the ones where a mixture of experts differs.

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
let root: string;
let good: RandomCheckpoint;
let copies = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-qwen3-moe-errors-'));
  const { description: _description, ...recipe } = checkpointShapes['qwen3-moe-norm'];
  good = await writeRandomCheckpoint(join(root, 'good'), { ...recipe, seed: 23 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function createPlugin(): Promise<Qwen3MoePlugin> {
  const { metadata } = await readPluginPackage(packageDir);
  return createQwen3MoePlugin({ metadata, packageDir });
}

const copyOfGood = () => copyCheckpoint(good.dir, join(root, `broken-${copies++}`));

const initializeFailure = (dir: string, dtype?: 'float32' | 'int4') =>
  initializeKitFailure(createPlugin, dir, dtype ? { dtype } : {});

/** Rewrites the checkpoint's weights with `edit` applied to the name → tensor map. */
async function rewriteWeights(dir: string, edit: (tensors: Record<string, TensorToWrite>) => void): Promise<void> {
  const shapes = decoderWeightShapes(resolveDecoderShape('qwen3_moe', good.config));
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, data] of good.weights) tensors[name] = { dtype: 'F32', shape: shapes.get(name)!, data };
  edit(tensors);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
}

describe('Qwen3-MoE configs and weights the plugin refuses', () => {
  it('num_experts_per_tok above num_experts: ConfigError naming the key and the limit, nothing built', async () => {
    const dir = await copyOfGood();
    await editCheckpointConfig(dir, { num_experts_per_tok: 9 });
    const error = await initializeFailure(dir);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error.message).toContain('Invalid Qwen3MoeConfig');
    expect(error.message).toContain('numExpertsPerTok = 9: must be at most numExperts (8)');
    expect(error.message).toContain('config.json key "num_experts_per_tok"');
    expect(await readdir(join(dir, '.cache')).catch(() => [])).toEqual([]);
  });

  it('mlp_only_layers naming a layer the model does not have: ConfigError', async () => {
    const dir = await copyOfGood();
    await editCheckpointConfig(dir, { mlp_only_layers: [1, 7] });
    const error = await initializeFailure(dir);
    expect(ConfigError.isInstance(error)).toBe(true);
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
    const error = await initializeFailure(dir, 'float32');
    expect(InsufficientMemoryError.isInstance(error)).toBe(true);
    const memory = error as InsufficientMemoryError;
    expect(memory.neededBytes).toBeGreaterThan(100 * 1024 ** 3);
    expect(error.message).toContain('Qwen3MoeConfig');
    expect(error.message).toContain('at float32');
    expect(error.hint).toMatch(/--dtype int(4|8)/);
    expect(await readdir(join(dir, '.cache', 'builds')).catch(() => [])).toEqual([]);
  });
});
