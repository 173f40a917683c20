import { mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPluginPackage } from '@pio/conformance';
import { ConfigError, PioError } from '@pio/core';
import { TensorShapeError, type TensorToWrite, WeightFileError, writeSafetensors } from '@pio/safetensors';
import {
  copyCheckpoint,
  decoderWeightShapes,
  editCheckpointConfig,
  type RandomCheckpoint,
  resolveDecoderShape,
  writeRandomCheckpoint,
} from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaPlugin, type LlamaPlugin } from '../src/index.js';

// Issue 9, items 8 and 10: weights whose shape is wrong but whose size is right, configs claiming absurd
// position counts, and weight files the operating system refuses to read, each through initialize.

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
let root: string;
let good: RandomCheckpoint;
let copies = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-llama-shapes-'));
  good = await writeRandomCheckpoint(join(root, 'good'), { arch: 'llama', tokenizer: 'gpt2', seed: 23 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function createPlugin(): Promise<LlamaPlugin> {
  const { metadata } = await readPluginPackage(packageDir);
  return createLlamaPlugin({ metadata, packageDir });
}

/** A copy of the good checkpoint to break. */
const copyOfGood = () => copyCheckpoint(good.dir, join(root, `copy-${copies++}`));

const editConfig = editCheckpointConfig;

/** Initializes a fresh plugin on `dir` with its own cache and returns the PioError it rejects with. */
async function initializeFailure(dir: string, runtime: Record<string, unknown> = {}): Promise<PioError> {
  const plugin = await createPlugin();
  try {
    const error = await plugin.initialize({ checkpoint: dir, cacheDir: join(dir, '.cache'), runtime }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'expected initialize to fail').toBeDefined();
    expect(PioError.isInstance(error), String(error)).toBe(true);
    return error as PioError;
  } finally {
    await plugin.cleanup();
  }
}

/** Bytes of every file of the one finished build under `cacheDir`. */
async function buildBytes(cacheDir: string): Promise<number> {
  const builds = (await readdir(join(cacheDir, 'builds'))).filter((name) => !name.startsWith('.'));
  expect(builds).toHaveLength(1);
  const dir = join(cacheDir, 'builds', builds[0]!);
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** Builds and runs `dir` in a fresh cache; returns the config's context and the build's size. */
async function buildAndRun(dir: string, runtime: Record<string, unknown> = {}) {
  const cacheDir = join(dir, `.cache-${copies++}`);
  const plugin = await createPlugin();
  try {
    await plugin.initialize({ checkpoint: dir, cacheDir, runtime });
    const result = await plugin.generateText({ inputIds: [464, 3290, 318] }, { maxNewTokens: 3 });
    expect(result.ids).toHaveLength(3);
    return { contextLength: plugin.modelConfig.maxContextLength, bytes: await buildBytes(cacheDir) };
  } finally {
    await plugin.cleanup();
  }
}

describe('a weight stored with the right size but the wrong shape', () => {
  it('mlp.down_proj stored transposed ([intermediate, hidden] instead of [hidden, intermediate]): TensorShapeError naming it, its file and both shapes', async () => {
    const dir = await copyOfGood();
    const shape = resolveDecoderShape('llama', good.config);
    const shapes = decoderWeightShapes(shape);
    const transposed = 'model.layers.1.mlp.down_proj.weight';
    expect(shapes.get(transposed)).toEqual([shape.hiddenSize, shape.intermediateSize]);
    const tensors: Record<string, TensorToWrite> = {};
    for (const [name, data] of good.weights) {
      const stored = name === transposed ? [...shapes.get(name)!].reverse() : shapes.get(name)!;
      tensors[name] = { dtype: 'F32', shape: stored, data };
    }
    const file = join(dir, 'model.safetensors');
    await writeSafetensors(file, tensors, { format: 'pt' });

    const error = await initializeFailure(dir);
    expect(TensorShapeError.isInstance(error), String(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'PIO_WEIGHTS_SHAPE_MISMATCH',
      file,
      tensor: transposed,
      found: [shape.intermediateSize, shape.hiddenSize],
      expected: [shape.hiddenSize, shape.intermediateSize],
    });
    expect(error.message).toContain(
      `Tensor "${transposed}" in ${file} has shape [${shape.intermediateSize}, ${shape.hiddenSize}] but [${shape.hiddenSize}, ${shape.intermediateSize}] was expected`,
    );
    expect(error.hint).toContain('Use the config.json that came with these weights');
    // Nothing half-built was left behind.
    expect((await readdir(join(dir, '.cache', 'builds'))).filter((name) => !name.startsWith('.lock'))).toEqual([]);
  });

  it('an embedding stored [hidden, vocab]: refused the same way', async () => {
    const dir = await copyOfGood();
    const shape = resolveDecoderShape('llama', good.config);
    const shapes = decoderWeightShapes(shape);
    const tensors: Record<string, TensorToWrite> = {};
    for (const [name, data] of good.weights) {
      const stored = name === 'model.embed_tokens.weight' ? [shape.hiddenSize, shape.vocabSize] : shapes.get(name)!;
      tensors[name] = { dtype: 'F32', shape: stored, data };
    }
    await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
    const error = await initializeFailure(dir);
    expect(TensorShapeError.isInstance(error), String(error)).toBe(true);
    expect((error as TensorShapeError).tensor).toBe('model.embed_tokens.weight');
  });
});

describe('max_position_embeddings far beyond what runs', () => {
  it('1e12 and 1e7 build and run with a default context of 32768 and rotary tables of that size, not of max_position_embeddings', async () => {
    const baseline = await buildAndRun(await copyOfGood());
    expect(baseline.contextLength).toBe(good.config.max_position_embeddings);
    const shape = resolveDecoderShape('llama', good.config);
    const tableBytesPerPosition = 2 * (shape.headDim / 2) * 4; // cos and sin, float32
    for (const declared of [1e12, 1e7]) {
      const dir = await copyOfGood();
      await editConfig(dir, { max_position_embeddings: declared });
      const run = await buildAndRun(dir);
      expect(run.contextLength).toBe(32768);
      // The build grows by the rotary rows between the two contexts (and a few bytes of protobuf), no more:
      // a table for 1e7 positions would add 640 MB.
      const grown = run.bytes - baseline.bytes;
      expect(grown).toBeGreaterThanOrEqual((32768 - baseline.contextLength) * tableBytesPerPosition);
      expect(grown).toBeLessThan((32768 - baseline.contextLength) * tableBytesPerPosition + 64 * 1024);
    }
  });

  it('an explicit context (the CLI --context) sizes the tables: 1e12 positions declared, 64 run', async () => {
    const baseline = await buildAndRun(await copyOfGood());
    const dir = await copyOfGood();
    await editConfig(dir, { max_position_embeddings: 1e12 });
    const run = await buildAndRun(dir, { maxContextLength: 64 });
    expect(run.contextLength).toBe(64);
    expect(run.bytes).toBeLessThan(baseline.bytes);
  });

  it('a count beyond Number.MAX_SAFE_INTEGER or a fraction: ConfigError naming max_position_embeddings', async () => {
    for (const value of [1e20, 4096.5]) {
      const dir = await copyOfGood();
      await editConfig(dir, { max_position_embeddings: value });
      const error = await initializeFailure(dir);
      expect(ConfigError.isInstance(error), String(error)).toBe(true);
      expect(error.message).toContain('config.json key "max_position_embeddings"');
      expect(error.message).toContain(`maxPositionEmbeddings = ${JSON.stringify(value)}: must be an integer`);
    }
  });
});

describe('a weight file the operating system will not read', () => {
  it('model.safetensors as a symbolic link loop, a dangling link or a folder: WeightFileError naming it with a hint', async () => {
    const cases: [string, (file: string, dir: string) => Promise<void>, string][] = [
      ['loop', (file) => symlink(file, file), 'is a symbolic link that loops'],
      ['dangling', (file, dir) => symlink(join(dir, 'blobs', 'gone'), file), 'which does not exist'],
      ['folder', (file) => mkdir(file), 'it is a folder, not a regular file'],
    ];
    for (const [label, breakIt, expected] of cases) {
      const dir = await copyOfGood();
      const file = join(dir, 'model.safetensors');
      await rm(file);
      await breakIt(file, dir);
      const error = await initializeFailure(dir);
      expect(WeightFileError.isInstance(error), `${label}: ${String(error)}`).toBe(true);
      expect((error as WeightFileError).file, label).toBe(file);
      expect(error.message, label).toContain(expected);
      expect(error.hint?.length ?? 0, label).toBeGreaterThan(0);
    }
  });

  it('a shard the index names that is missing: WeightFileError naming the shard', async () => {
    const dir = join(root, 'sharded');
    const sharded = await writeRandomCheckpoint(dir, { arch: 'llama', tokenizer: 'gpt2', seed: 23, shards: 2 });
    await rm(sharded.weightFiles[1]!);
    const error = await initializeFailure(dir);
    expect(WeightFileError.isInstance(error), String(error)).toBe(true);
    expect((error as WeightFileError).file).toBe(sharded.weightFiles[1]);
    expect(error.message).toContain('this shard does not exist, but the index');
  });
});
