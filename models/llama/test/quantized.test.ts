import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProgressEvent, readManifest } from '@pio/core';
import {
  checkpointShapes,
  createRng,
  type RandomCheckpoint,
  referenceGreedy,
  tokenizerInfo,
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
let expected: number[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-llama-quantized-'));
  cacheDir = join(root, 'cache');
  const { description: _description, ...recipe } = checkpointShapes['llama-peaky'];
  checkpoint = await writeRandomCheckpoint(join(root, 'peaky'), { ...recipe, seed: 11 });
  const rng = createRng(77);
  prompt = Array.from({ length: 16 }, () => rng.int(tokenizerInfo[checkpoint.tokenizer].baseVocabSize));
  expected = referenceGreedy(checkpoint.arch, checkpoint.config, checkpoint.weights, prompt, greedyTokens).tokens;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function createPlugin(): Promise<LlamaPlugin> {
  const packageJsonPath = join(packageDir, 'package.json');
  const packageJson = JSON.parse(await readFile(packageJsonPath, 'utf8')) as Record<string, unknown>;
  const { metadata } = readManifest(packageJson, { packageDir, packageJsonPath, fallbackName: 'model-llama' });
  return createLlamaPlugin({ metadata, packageDir });
}

/** Initializes a plugin at `dtype` and returns it with the progress phases it reported. */
async function start(dtype: 'int4' | 'int8'): Promise<{ plugin: LlamaPlugin; phases: Set<string> }> {
  const plugin = await createPlugin();
  const phases = new Set<string>();
  await plugin.initialize({
    checkpoint: checkpoint.dir,
    cacheDir,
    runtime: { dtype },
    onProgress: (event: ProgressEvent) => phases.add(event.phase),
  });
  return { plugin, phases };
}

describe('quantized Llama through the plugin (llama-peaky, wide greedy margins)', () => {
  const weightBytes: Record<string, number> = {};

  for (const dtype of ['int4', 'int8'] as const) {
    it(`builds at ${dtype} and generates the reference's ${greedyTokens} greedy tokens`, async () => {
      const { plugin, phases } = await start(dtype);
      try {
        expect(plugin.modelConfig.dtype).toBe(dtype);
        expect(phases.has('build-graph')).toBe(true);
        const result = await plugin.generateText({ inputIds: prompt }, { maxNewTokens: greedyTokens });
        expect(result.finishReason).toBe('length');
        expect(result.ids).toEqual(expected);
      } finally {
        await plugin.cleanup();
      }
    });
  }

  // Runs after the two builds above (tests in a file run in order) and reuses their cache folder.
  it('keeps one build per dtype, and later starts of both come from the cache', async () => {
    const builds = await readdir(join(cacheDir, 'builds'));
    expect(builds).toHaveLength(2);
    expect(builds.some((name) => name.startsWith('.tmp-'))).toBe(false);

    for (const dtype of ['int4', 'int8'] as const) {
      const { plugin, phases } = await start(dtype);
      try {
        // No graph was built: the start read the cached build.
        expect(phases.has('build-graph')).toBe(false);
        expect(phases.has('create-session')).toBe(true);
        const reloaded = await plugin.loadModel();
        expect(reloaded.fromCache).toBe(true);
        expect(reloaded.config.dtype).toBe(dtype);
        weightBytes[dtype] = reloaded.weightBytes;
        const result = await plugin.generateText({ inputIds: prompt }, { maxNewTokens: 8 });
        expect(result.ids).toEqual(expected.slice(0, 8));
      } finally {
        await plugin.cleanup();
      }
    }
    expect((await readdir(join(cacheDir, 'builds'))).sort()).toEqual(builds.sort());
    // 4-bit weights take about half the bytes of 8-bit ones (plus the fp32 embedding both keep).
    expect(weightBytes.int4!).toBeLessThan(weightBytes.int8!);
    const fp32Bytes = checkpoint.weightBytes;
    expect(weightBytes.int8!).toBeLessThan(fp32Bytes);
  });
});
