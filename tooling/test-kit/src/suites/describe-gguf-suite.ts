import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PluginFactory, PluginManager, type TextModelPlugin } from '@pio/core';
import { createRng, tokenizerInfo } from '@pio/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointShapeName, checkpointShapes } from '../checkpoint/checkpoint-shapes.js';
import { type RandomCheckpoint, writeRandomCheckpoint } from '../checkpoint/write-random-checkpoint.js';
import { writeDequantizedGguf } from '../gguf/dequantize-gguf-file.js';
import { writeGgufCheckpoint } from '../gguf/write-gguf-checkpoint.js';
import { cosineSimilarity } from '../reference/cosine-similarity.js';
import { createPackagePlugin } from './create-package-plugin.js';

/** What {@link describeGgufSuite} runs. */
export interface GgufSuiteOptions {
  /** The model package folder (its package.json gives the plugin's metadata and name). */
  packageDir: string;
  /** The package's plugin factory. */
  createPlugin: PluginFactory;
  /** The checkpoint shape written as safetensors and as GGUF. */
  shape: CheckpointShapeName;
  /** The model's name in test titles (`Llama`). */
  label: string;
  /** What the F32 comparison checks of the layout, for its title (`q/k rows unpermuted`). */
  layoutNote: string;
  /** More tests of the package's own, given the files this suite wrote and its `start`. */
  extra?: (files: GgufSuiteFiles) => void;
}

/** The files {@link describeGgufSuite} writes, and how to start the plugin on one, for a package's own tests. */
export interface GgufSuiteFiles {
  /** The folder holding the GGUF files (`model-f32.gguf`, `model-q8_0.gguf`, `model-q8_0-dequantized.gguf`). */
  root(): string;
  /** Initializes the package's plugin on `path` at float32. */
  start(path: string): Promise<TextModelPlugin>;
}

const greedyTokens = 32;

/**
 * The GGUF bar every model package that declares the `gguf` format runs: a
 * test-kit checkpoint written as safetensors and as F32 and Q8_0 GGUF files
 * (llama.cpp's names and layout), then the F32 file must give the folder's
 * 32 greedy tokens and logits within 1e-4, the Q8_0 file must equal the same
 * weights dequantized to F32, a Q4_0 file must run at int4 on its own 4-bit
 * weights (logits of its dequantized copy up to the int8 activations of
 * accuracy level 4), and the plugin manager must offer the file to
 * this package by its `general.architecture`.
 */
export function describeGgufSuite(options: GgufSuiteOptions): void {
  let root: string;
  let checkpoint: RandomCheckpoint;
  let prompt: number[];
  const packageJson = JSON.parse(readFileSync(join(options.packageDir, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-gguf-suite-'));
    const { description: _description, ...recipe } = checkpointShapes[options.shape];
    checkpoint = await writeRandomCheckpoint(join(root, 'hf'), { ...recipe, seed: 5 });
    const rng = createRng(21);
    prompt = Array.from({ length: 12 }, () => rng.int(tokenizerInfo[checkpoint.tokenizer].baseVocabSize));
    await writeGgufCheckpoint(checkpoint.dir, join(root, 'model-f32.gguf'), 'F32');
    await writeGgufCheckpoint(checkpoint.dir, join(root, 'model-q8_0.gguf'), 'Q8_0');
    await writeDequantizedGguf(join(root, 'model-q8_0.gguf'), join(root, 'model-q8_0-dequantized.gguf'));
    await writeGgufCheckpoint(checkpoint.dir, join(root, 'model-q4_0.gguf'), 'Q4_0');
    await writeDequantizedGguf(join(root, 'model-q4_0.gguf'), join(root, 'model-q4_0-dequantized.gguf'));
    // K-quants need rows of whole 256-weight super-blocks: the same shape, wider.
    const wide = await writeRandomCheckpoint(join(root, 'hf-wide'), {
      ...recipe,
      seed: 5,
      config: { ...recipe.config, hidden_size: 256, intermediate_size: 512 },
    });
    await writeGgufCheckpoint(wide.dir, join(root, 'model-q4_k_m.gguf'), 'Q4_K_M');
    await writeDequantizedGguf(join(root, 'model-q4_k_m.gguf'), join(root, 'model-q4_k_m-dequantized.gguf'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** `'file'`: no dtype asked for, so a GGUF runs at its own precision. */
  const start = async (path: string, dtype: 'float32' | 'int4' | 'file' = 'float32'): Promise<TextModelPlugin> => {
    const plugin = (await createPackagePlugin(options.packageDir, options.createPlugin)) as TextModelPlugin;
    await plugin.initialize({
      checkpoint: path,
      cacheDir: join(root, 'cache'),
      runtime: dtype === 'file' ? {} : { dtype },
    });
    return plugin;
  };

  /** Greedy ids, the prompt's logits and the parsed config of one checkpoint. */
  const run = async (path: string, dtype: 'float32' | 'int4' | 'file' = 'float32') => {
    const plugin = await start(path, dtype);
    try {
      const { ids } = await plugin.generateText({ inputIds: prompt }, { maxNewTokens: greedyTokens });
      const { logits } = await plugin.infer({ inputIds: prompt });
      const config = (plugin as { modelConfig?: unknown }).modelConfig as Record<string, unknown>;
      return { ids, logits: logits as Float32Array, config };
    } finally {
      await plugin.cleanup();
    }
  };

  describe(`${options.label} from a GGUF file`, () => {
    let folder: Awaited<ReturnType<typeof run>>;

    beforeAll(async () => {
      folder = await run(checkpoint.dir);
    });

    it(`an F32 GGUF gives the safetensors folder’s greedy tokens and logits (${options.layoutNote})`, async () => {
      const file = await run(join(root, 'model-f32.gguf'));
      expect(file.ids).toEqual(folder.ids);
      expect(file.ids).toHaveLength(greedyTokens);
      expect(maxDifference(file.logits, folder.logits)).toBeLessThan(1e-4);
      for (const field of [
        'hiddenSize',
        'numHiddenLayers',
        'numAttentionHeads',
        'numKeyValueHeads',
        'headDim',
        'vocabSize',
      ]) {
        expect(file.config[field], field).toEqual(folder.config[field]);
      }
    });

    it('a Q8_0 GGUF equals the same weights dequantized to F32', async () => {
      const quantized = await run(join(root, 'model-q8_0.gguf'));
      const dequantized = await run(join(root, 'model-q8_0-dequantized.gguf'));
      expect(quantized.ids).toEqual(dequantized.ids);
      expect(maxDifference(quantized.logits, dequantized.logits)).toBeLessThan(1e-5);
    });

    // Against float32 over the same weights, the file's own blocks differ only by the int8 activations of
    // MatMulNBits' accuracy level 4; quantizing the dequantized weights again (blocks of 128) adds a second error.
    it.each([
      ['a Q4_0 GGUF runs at int4 by default with the file’s own 4-bit weights', 'model-q4_0'],
      ['a Q4_K_M GGUF runs its own Q4_K blocks (minimums subtracted exactly) and Q6_K blocks', 'model-q4_k_m'],
    ])('%s, not re-quantized ones', async (_title, name) => {
      const exact = await run(join(root, `${name}.gguf`), 'file');
      const float = await run(join(root, `${name}-dequantized.gguf`));
      const requantized = await run(join(root, `${name}-dequantized.gguf`), 'int4');
      expect(exact.config.dtype).toBe('int4');
      const exactCosine = cosineSimilarity(exact.logits, float.logits);
      expect(exactCosine).toBeGreaterThan(0.99);
      expect(1 - exactCosine).toBeLessThan((1 - cosineSimilarity(requantized.logits, float.logits)) / 2);
    });

    it(`the plugin manager offers a .gguf file to ${String(packageJson.name)} by its general.architecture`, async () => {
      const manager = new PluginManager({ roots: [options.packageDir] });
      manager.register({ packageJson, packageDir: options.packageDir, factory: options.createPlugin });
      expect((await manager.findForCheckpoint(join(root, 'model-f32.gguf'))).metadata.name).toBe(packageJson.name);
    });

    options.extra?.({ root: () => root, start });
  });
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
