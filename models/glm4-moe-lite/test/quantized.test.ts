import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPluginPackage } from '@pio/conformance';
import {
  checkpointShapes,
  createRng,
  type RandomCheckpoint,
  referenceGreedy,
  tokenizerInfo,
  writeRandomCheckpoint,
} from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGlm4MoeLitePlugin } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const greedyTokens = 32;
let root: string;
let checkpoint: RandomCheckpoint;
let prompt: number[];
let expected: number[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-glm4-moe-lite-quantized-'));
  const { description: _description, ...recipe } = checkpointShapes['glm-peaky'];
  checkpoint = await writeRandomCheckpoint(join(root, 'peaky'), { ...recipe, seed: 12 });
  const rng = createRng(78);
  prompt = Array.from({ length: 16 }, () => rng.int(tokenizerInfo[checkpoint.tokenizer].baseVocabSize));
  expected = referenceGreedy(checkpoint.arch, checkpoint.config, checkpoint.weights, prompt, greedyTokens).tokens;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('quantized GLM-4.7-Flash through the plugin (glm-peaky: wide greedy margins)', () => {
  for (const dtype of ['int4', 'int8'] as const) {
    it(`builds at ${dtype} (experts, attention projections, per-head absorbed kv_b halves and head quantized; router in float32) and generates the reference's ${greedyTokens} greedy tokens`, async () => {
      const { metadata } = await readPluginPackage(packageDir);
      const plugin = await createGlm4MoeLitePlugin({ metadata, packageDir });
      try {
        await plugin.initialize({ checkpoint: checkpoint.dir, cacheDir: join(root, 'cache'), runtime: { dtype } });
        const result = await plugin.generateText({ inputIds: prompt }, { maxNewTokens: greedyTokens });
        expect(result.ids).toEqual(expected);
      } finally {
        await plugin.cleanup();
      }
    });
  }
});
