import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPluginPackage } from '@pio/conformance';
import { GraphError } from '@pio/onnx';
import { TensorShapeError } from '@pio/safetensors';
import { editCheckpointConfig, useBrokenCheckpoints } from '@pio/test-kit';
import { describe, expect, it } from 'vitest';
import { createQwen3Plugin, type Qwen3Plugin } from '../src/index.js';

// The checks every decoder shares (missing files, damaged weights, plugin state) run in
// @pio/model-llama's errors.test.ts; these are the ones where Qwen3 differs.

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

async function createPlugin(): Promise<Qwen3Plugin> {
  const { metadata } = await readPluginPackage(packageDir);
  return createQwen3Plugin({ metadata, packageDir });
}

const checkpoints = useBrokenCheckpoints({ createPlugin, checkpoint: { arch: 'qwen3', tokenizer: 'gpt2', seed: 22 } });
const { copyOfGood, initializeFailure } = checkpoints;
const editConfig = editCheckpointConfig;

describe('Qwen3 configs and weights the plugin refuses', () => {
  it('use_sliding_window true: ConfigError naming the key, the file and the dense setting', async () => {
    const { dir, error } = await checkpoints.configError({ use_sliding_window: true, sliding_window: 32 });
    expect(error.source).toBe(join(dir, 'config.json'));
    expect(error.message).toContain('useSlidingWindow = true: sliding-window attention is not supported');
    expect(error.message).toContain('set use_sliding_window to false');
    expect(error.message).toContain('config.json key "use_sliding_window"');
  });

  it('yarn rope_scaling with beta_fast not above beta_slow: ConfigError naming both', async () => {
    const { error } = await checkpoints.configError({
      rope_scaling: {
        rope_type: 'yarn',
        factor: 4,
        original_max_position_embeddings: 32768,
        beta_fast: 1,
        beta_slow: 32,
      },
    });
    expect(error.message).toContain('Invalid Qwen3Config');
    expect(error.message).toContain('yarn betaFast (1) must be > betaSlow (32)');
    expect(error.message).toContain('  - ropeScaling = ');
  });

  it('a missing q_norm weight (Qwen3 only): GraphError naming the tensor', async () => {
    const dir = await copyOfGood();
    const leftOut = 'model.layers.1.self_attn.q_norm.weight';
    await checkpoints.rewriteWeights(dir, (tensors) => {
      delete tensors[leftOut];
    });
    const error = await initializeFailure(dir);
    expect(GraphError.isInstance(error)).toBe(true);
    expect((error as GraphError).issues[0]).toMatchObject({ tensor: leftOut });
    expect(error.message).toContain('is missing from the checkpoint, but its config.json implies it');
    expect(error.hint).toContain('Use the config.json that came with these weights');
    expect(await readdir(join(dir, '.cache', 'builds'))).toEqual([]);
  });

  it('a head_dim that disagrees with the weights: TensorShapeError naming the first tensor that does not fit', async () => {
    const dir = await copyOfGood();
    await editConfig(dir, { head_dim: 32 });
    const error = await initializeFailure(dir);
    expect(TensorShapeError.isInstance(error)).toBe(true);
    expect(error.message).toContain(
      `Tensor "model.layers.0.self_attn.q_proj.weight" in ${join(dir, 'model.safetensors')} has shape [64, 64] but [128, 64] was expected`,
    );
    expect(error.message).toContain('the checkpoint does not match its config.json');
  });
});
