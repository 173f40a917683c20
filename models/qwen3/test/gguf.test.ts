import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PluginManager, readManifest } from '@pio/core';
import {
  checkpointShapes,
  createRng,
  type RandomCheckpoint,
  tokenizerInfo,
  writeDequantizedGguf,
  writeGgufCheckpoint,
  writeRandomCheckpoint,
} from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQwen3Plugin, type Qwen3Plugin } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const greedyTokens = 32;
let root: string;
let cacheDir: string;
let checkpoint: RandomCheckpoint;
let prompt: number[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-qwen3-gguf-'));
  cacheDir = join(root, 'cache');
  // Grouped-query attention 4:2, per-head q/k norms; Qwen3 GGUFs keep Hugging Face's q/k row order.
  const { description: _description, ...recipe } = checkpointShapes['qwen3-kv2'];
  checkpoint = await writeRandomCheckpoint(join(root, 'hf'), { ...recipe, seed: 5 });
  const rng = createRng(21);
  prompt = Array.from({ length: 12 }, () => rng.int(tokenizerInfo[checkpoint.tokenizer].baseVocabSize));
  await writeGgufCheckpoint(checkpoint.dir, join(root, 'model-f32.gguf'), 'F32');
  await writeGgufCheckpoint(checkpoint.dir, join(root, 'model-q8_0.gguf'), 'Q8_0');
  await writeDequantizedGguf(join(root, 'model-q8_0.gguf'), join(root, 'model-q8_0-dequantized.gguf'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function start(path: string): Promise<Qwen3Plugin> {
  const packageJsonPath = join(packageDir, 'package.json');
  const packageJson = JSON.parse(await readFile(packageJsonPath, 'utf8')) as Record<string, unknown>;
  const { metadata } = readManifest(packageJson, { packageDir, packageJsonPath, fallbackName: 'model-qwen3' });
  const plugin = await createQwen3Plugin({ metadata, packageDir });
  await plugin.initialize({ checkpoint: path, cacheDir, runtime: { dtype: 'float32' } });
  return plugin;
}

/** Greedy ids and the prompt's logits of one checkpoint. */
async function run(path: string): Promise<{ ids: number[]; logits: Float32Array; config: Record<string, unknown> }> {
  const plugin = await start(path);
  try {
    const { ids } = await plugin.generateText({ inputIds: prompt }, { maxNewTokens: greedyTokens });
    const { logits } = await plugin.infer({ inputIds: prompt });
    return { ids, logits, config: plugin.modelConfig as unknown as Record<string, unknown> };
  } finally {
    await plugin.cleanup();
  }
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('Qwen3 from a GGUF file', () => {
  let folder: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    folder = await run(checkpoint.dir);
  });

  it('an F32 GGUF gives the safetensors folder’s greedy tokens and logits (q/k norms mapped, rows not permuted)', async () => {
    const file = await run(join(root, 'model-f32.gguf'));
    expect(file.ids).toEqual(folder.ids);
    expect(file.ids).toHaveLength(greedyTokens);
    expect(maxDifference(file.logits, folder.logits)).toBeLessThan(1e-4);
    for (const field of ['hiddenSize', 'numHiddenLayers', 'numAttentionHeads', 'numKeyValueHeads', 'headDim', 'vocabSize']) {
      expect(file.config[field], field).toEqual(folder.config[field]);
    }
  });

  it('a Q8_0 GGUF equals the same weights dequantized to F32', async () => {
    const quantized = await run(join(root, 'model-q8_0.gguf'));
    const dequantized = await run(join(root, 'model-q8_0-dequantized.gguf'));
    expect(quantized.ids).toEqual(dequantized.ids);
    expect(maxDifference(quantized.logits, dequantized.logits)).toBeLessThan(1e-5);
  });

  it('the plugin manager offers a .gguf file to @pio/model-qwen3 by its general.architecture', async () => {
    const manager = new PluginManager({ roots: [packageDir] });
    const packageJson = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    manager.register({ packageJson, packageDir, factory: createQwen3Plugin });
    expect((await manager.findForCheckpoint(join(root, 'model-f32.gguf'))).metadata.name).toBe('@pio/model-qwen3');
  });
});
