import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError, NoPluginForCheckpointError, PluginManager, readManifest } from '@pio/core';
import { gguf, writeGgufFile } from '@pio/gguf';
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
import { createLlamaPlugin, type LlamaPlugin } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const greedyTokens = 32;
let root: string;
let cacheDir: string;
let checkpoint: RandomCheckpoint;
let prompt: number[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-llama-gguf-'));
  cacheDir = join(root, 'cache');
  // Grouped-query attention 4:2 and an untied head: q and k are permuted with different head counts.
  const { description: _description, ...recipe } = checkpointShapes['llama-kv2'];
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

async function start(path: string): Promise<LlamaPlugin> {
  const packageJsonPath = join(packageDir, 'package.json');
  const packageJson = JSON.parse(await readFile(packageJsonPath, 'utf8')) as Record<string, unknown>;
  const { metadata } = readManifest(packageJson, { packageDir, packageJsonPath, fallbackName: 'model-llama' });
  const plugin = await createLlamaPlugin({ metadata, packageDir });
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

describe('Llama from a GGUF file', () => {
  let folder: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    folder = await run(checkpoint.dir);
  });

  it('an F32 GGUF gives the safetensors folder’s greedy tokens and logits (q/k rows unpermuted)', async () => {
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

  it('the plugin manager offers a .gguf file to @pio/model-llama by its general.architecture', async () => {
    const manager = new PluginManager({ roots: [packageDir] });
    const packageJson = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    manager.register({ packageJson, packageDir, factory: createLlamaPlugin });
    expect((await manager.findForCheckpoint(join(root, 'model-f32.gguf'))).metadata.name).toBe('@pio/model-llama');
  });

  it('unsupported architectures and missing tokenizer metadata are typed errors naming what is wrong', async () => {
    const manager = new PluginManager();
    const packageJson = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    manager.register({ packageJson, packageDir, factory: createLlamaPlugin });
    const gemma = join(root, 'gemma.gguf');
    await writeGgufFile(gemma, { metadata: { 'general.architecture': gguf.string('gemma3') }, tensors: [] });
    const unsupported = await manager.findForCheckpoint(gemma).catch((e: unknown) => e);
    expect(NoPluginForCheckpointError.isInstance(unsupported)).toBe(true);
    expect((unsupported as Error).message).toMatch(/"gemma3".*llama/s);

    const noTokenizer = join(root, 'no-tokenizer.gguf');
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
});
