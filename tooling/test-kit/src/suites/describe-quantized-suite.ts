import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginFactory, ProgressEvent, TextModelPlugin } from '@pio/core';
import { createRng, tokenizerInfo } from '@pio/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointShapeName, checkpointShapes } from '../checkpoint/checkpoint-shapes.js';
import { type RandomCheckpoint, writeRandomCheckpoint } from '../checkpoint/write-random-checkpoint.js';
import { referenceGreedy } from '../reference/reference-greedy.js';
import { createPackagePlugin } from './create-package-plugin.js';

/** What {@link describeQuantizedSuite} runs. */
export interface QuantizedSuiteOptions<Plugin extends TextModelPlugin = TextModelPlugin> {
  /** The model package folder (its package.json gives the plugin's metadata). */
  packageDir: string;
  /** The package's plugin factory. */
  createPlugin: PluginFactory<Plugin>;
  /** A checkpoint shape with wide greedy margins (`llama-peaky`, `qwen3-moe-peaky`, …), so 4-bit rounding flips no token. */
  shape: CheckpointShapeName;
  /** The model's name in test titles (`Qwen3-MoE`). */
  label: string;
  /** What the build quantizes, for the test titles (`experts and attention quantized, the router in float32`). */
  quantizedNote?: string;
  /** Seed of the random checkpoint. Default 12. */
  checkpointSeed?: number;
  /** Seed of the random 16-token prompt. Default 78. */
  promptSeed?: number;
  /** More tests of the package's own, run after the suite's (in order, so the int4 and int8 builds are in its cache). */
  extra?: (run: QuantizedSuiteRun<Plugin>) => void;
}

/** What {@link describeQuantizedSuite} wrote and computed, and how it starts the plugin, for a package's own tests. */
export interface QuantizedSuiteRun<Plugin extends TextModelPlugin = TextModelPlugin> {
  /** The peaky checkpoint. */
  checkpoint(): RandomCheckpoint;
  /** The build cache every start shares. */
  cacheDir(): string;
  /** The 16-token prompt. */
  prompt(): number[];
  /** The reference's 32 greedy tokens after the prompt. */
  expected(): number[];
  /** Initializes a fresh plugin on the checkpoint at `dtype` (shared cache); returns it with the progress phases it reported. */
  start(dtype: 'int4' | 'int8'): Promise<{ plugin: Plugin; phases: Set<string> }>;
}

const greedyTokens = 32;
const promptLength = 16;

/**
 * The quantization bar of a decoder model package: a checkpoint of a peaky
 * shape (wide margins between the best and the second token) built at int4
 * and at int8 through the real plugin must report the dtype, build a graph
 * (the `build-graph` progress phase) and generate the float32 reference's 32
 * greedy tokens for a 16-token prompt.
 */
export function describeQuantizedSuite<Plugin extends TextModelPlugin>(options: QuantizedSuiteOptions<Plugin>): void {
  let root: string;
  let checkpoint: RandomCheckpoint;
  let prompt: number[];
  let expected: number[];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-quantized-suite-'));
    const { description: _description, ...recipe } = checkpointShapes[options.shape];
    checkpoint = await writeRandomCheckpoint(join(root, 'peaky'), { ...recipe, seed: options.checkpointSeed ?? 12 });
    const rng = createRng(options.promptSeed ?? 78);
    prompt = Array.from({ length: promptLength }, () => rng.int(tokenizerInfo[checkpoint.tokenizer].baseVocabSize));
    expected = referenceGreedy(checkpoint.arch, checkpoint.config, checkpoint.weights, prompt, greedyTokens).tokens;
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const run: QuantizedSuiteRun<Plugin> = {
    checkpoint: () => checkpoint,
    cacheDir: () => join(root, 'cache'),
    prompt: () => prompt,
    expected: () => expected,
    async start(dtype) {
      const plugin = await createPackagePlugin(options.packageDir, options.createPlugin);
      const phases = new Set<string>();
      try {
        await plugin.initialize({
          checkpoint: checkpoint.dir,
          cacheDir: run.cacheDir(),
          runtime: { dtype },
          onProgress: (event: ProgressEvent) => phases.add(event.phase),
        });
      } catch (error) {
        await plugin.cleanup();
        throw error;
      }
      return { plugin, phases };
    },
  };

  describe(`quantized ${options.label} through the plugin (${options.shape}: wide greedy margins)`, () => {
    const note = options.quantizedNote ? ` (${options.quantizedNote})` : '';
    for (const dtype of ['int4', 'int8'] as const) {
      it(`builds at ${dtype}${note} and generates the reference's ${greedyTokens} greedy tokens`, async () => {
        const { plugin, phases } = await run.start(dtype);
        try {
          expect((plugin as { modelConfig?: { dtype?: string } }).modelConfig?.dtype).toBe(dtype);
          expect(phases.has('build-graph')).toBe(true);
          const result = await plugin.generateText({ inputIds: prompt }, { maxNewTokens: greedyTokens });
          expect(result.finishReason).toBe('length');
          expect(result.ids).toEqual(expected);
        } finally {
          await plugin.cleanup();
        }
      });
    }
    options.extra?.(run);
  });
}
