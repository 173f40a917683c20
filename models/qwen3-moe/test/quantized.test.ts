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
import { createQwen3MoePlugin } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const greedyTokens = 32;
let root: string;
let checkpoint: RandomCheckpoint;
let prompt: number[];
let expected: number[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-qwen3-moe-quantized-'));
  const { description: _description, ...recipe } = checkpointShapes['qwen3-moe-peaky'];
  checkpoint = await writeRandomCheckpoint(join(root, 'peaky'), { ...recipe, seed: 12 });
  const rng = createRng(78);
  prompt = Array.from({ length: 16 }, () => rng.int(tokenizerInfo[checkpoint.tokenizer].baseVocabSize));
  expected = referenceGreedy(checkpoint.arch, checkpoint.config, checkpoint.weights, prompt, greedyTokens).tokens;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('quantized Qwen3-MoE through the plugin (qwen3-moe-peaky: wide greedy margins)', () => {
  for (const dtype of ['int4', 'int8'] as const) {
    it(`builds at ${dtype} (experts and attention quantized, the router in float32) and generates the reference's ${greedyTokens} greedy tokens`, async () => {
      const { metadata } = await readPluginPackage(packageDir);
      const plugin = await createQwen3MoePlugin({ metadata, packageDir });
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
