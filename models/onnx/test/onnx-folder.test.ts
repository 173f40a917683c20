import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecoderRunner, decoderIo } from '@pio/engine';
import { float16ToFloat32, float32ToFloat16, prepareOptimumDecoder } from '@pio/onnx';
import { createReferenceKvCache, type RandomCheckpointOptions, referenceForward, referenceGreedy } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxPlugin, listOnnxVariants, type OnnxPlugin, resolveOnnxVariant } from '../src/index.js';
import {
  argmaxRow,
  type ExportedCheckpoint,
  exportedCheckpoint,
  maxAbsDiff,
  packageDir,
  pluginMetadata,
  writeFp16Variant,
} from './fixtures.js';

const prefillLength = 16;
const decodeSteps = 8;
const greedyTokens = 16;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-onnx-folder-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function loadPlugin(dir: string, runtime: Record<string, unknown> = {}): Promise<OnnxPlugin> {
  const plugin = await createOnnxPlugin({ metadata: await pluginMetadata(), packageDir });
  await plugin.initialize({ checkpoint: dir, cacheDir: join(root, 'cache'), runtime });
  return plugin;
}

/** Prefill logits of every position, decode steps and greedy tokens against the float64 reference on `weights`. */
async function checkAgainstReference(
  plugin: OnnxPlugin,
  exported: ExportedCheckpoint,
  weights: ReadonlyMap<string, Float32Array>,
  tolerance: number,
): Promise<void> {
  const { arch, config } = exported.checkpoint;
  const vocab = config.vocab_size;
  const prompt = Array.from({ length: prefillLength }, (_, i) => (i * 7919 + 13) % vocab);
  const cache = createReferenceKvCache(arch, config);
  const expectedPrefill = referenceForward(arch, config, weights, prompt, cache);
  const gotPrefill = await plugin.forward(prompt, { reset: true, logitIndices: prompt.map((_, i) => i) });
  expect(maxAbsDiff(gotPrefill, expectedPrefill), 'prefill').toBeLessThan(tolerance);
  // Only the last row (the default): the Gather before the LM head picks it.
  const last = await plugin.forward(prompt, { reset: true });
  expect(maxAbsDiff(last, expectedPrefill.subarray((prefillLength - 1) * vocab))).toBeLessThan(tolerance);

  let next = argmaxRow(expectedPrefill, prefillLength - 1, vocab);
  for (let step = 0; step < decodeSteps; step++) {
    const expected = referenceForward(arch, config, weights, [next], cache);
    const got = await plugin.forward([next]);
    expect(maxAbsDiff(got, expected), `decode step ${step}`).toBeLessThan(tolerance);
    next = argmaxRow(expected, 0, vocab);
  }

  const reference = referenceGreedy(arch, config, weights, prompt, greedyTokens);
  const result = await plugin.generateText({ inputIds: prompt }, { maxNewTokens: greedyTokens });
  const firstTie = reference.margins.findIndex((margin) => margin < 1e-3 + tolerance);
  const comparable = Math.min(firstTie === -1 ? greedyTokens : firstTie + 1, result.ids.length);
  expect(comparable).toBeGreaterThan(0);
  expect(result.ids.slice(0, comparable)).toEqual(reference.tokens.slice(0, comparable));
}

const shapes: Array<[name: string, recipe: Omit<RandomCheckpointOptions, 'arch'>, externalData: boolean]> = [
  [
    'multi-head (kv ratio 1), untied, inline weights',
    { tokenizer: 'gpt2', config: { num_attention_heads: 4, num_key_value_heads: 4 }, seed: 3 },
    false,
  ],
  [
    'grouped-query 6:2 (ratio 3), head_dim 16, tied, external data',
    {
      tokenizer: 'gpt2',
      config: { num_attention_heads: 6, num_key_value_heads: 2, head_dim: 16, tie_word_embeddings: true },
      seed: 4,
    },
    true,
  ],
];

describe('exported transformers.js folders through @pio/model-onnx', () => {
  it.each(shapes)(
    '%s: logits match the float64 reference within 1e-4, greedy tokens identical',
    async (name, recipe, externalData) => {
      const exported = await exportedCheckpoint(root, name.split(',')[0]!.replace(/\W+/g, '-'), recipe, externalData);
      expect((await readdir(join(exported.dir, 'onnx'))).includes('model.onnx_data')).toBe(externalData);
      const plugin = await loadPlugin(exported.dir);
      try {
        await checkAgainstReference(plugin, exported, exported.checkpoint.weights, 1e-4);
        if (externalData) {
          // The rewritten graph sits in the build cache with the data file linked next to it, not copied.
          const builds = join(root, 'cache', 'builds');
          const folders = await readdir(builds);
          const withData = [];
          for (const folder of folders) {
            const files = await readdir(join(builds, folder));
            if (files.includes('model.onnx_data')) withData.push(join(builds, folder, 'model.onnx_data'));
          }
          expect(withData).toHaveLength(1);
          const linked = await stat(withData[0]!);
          const original = await stat(join(exported.dir, 'onnx', 'model.onnx_data'));
          expect(linked.ino === original.ino || linked.nlink >= 2 || linked.isSymbolicLink()).toBe(true);
        }
        if (externalData) {
          // The slice alternative, forced by a runtime option, is a separate build and gives the same logits.
          const sliced = await loadPlugin(exported.dir, { pastPadding: 'slice' });
          try {
            const prompt = [5, 17, 123, 9, 44];
            const expected = await plugin.forward(prompt, { reset: true, logitIndices: [0, 1, 2, 3, 4] });
            expect(
              maxAbsDiff(await sliced.forward(prompt, { reset: true, logitIndices: [0, 1, 2, 3, 4] }), expected),
            ).toBeLessThan(1e-5);
            expect(maxAbsDiff(await sliced.forward([7]), await plugin.forward([7]))).toBeLessThan(1e-5);
          } finally {
            await sliced.cleanup();
          }
        }
        // A second load of the same folder reuses the prepared graph.
        const info = await plugin.loadModel();
        expect(info.fromCache).toBe(true);
        expect(info.parameters).toBeGreaterThan(0);
      } finally {
        await plugin.cleanup();
      }
    },
  );

  it("the 'slice' padding (chosen for graphs with fused attention) gives the same logits as the reference", async () => {
    const exported = await exportedCheckpoint(root, 'slice', {
      tokenizer: 'gpt2',
      config: { num_attention_heads: 4, num_key_value_heads: 2 },
      seed: 6,
    });
    const { arch, config, weights } = exported.checkpoint;
    const outDir = join(root, 'slice-prepared');
    const shape = { numLayers: 2, numKeyValueHeads: 2, headDim: 16, hiddenSize: 64, vocabSize: config.vocab_size };
    const prepared = await prepareOptimumDecoder({
      modelPath: join(exported.dir, 'onnx', 'model.onnx'),
      outDir,
      io: decoderIo,
      shape,
      rewrite: { pastPadding: 'slice' },
    });
    expect(prepared.pastPadding).toBe('slice');
    const runner = await DecoderRunner.create(
      { decode: join(outDir, prepared.modelFile) },
      { numLayers: 2, rowSize: 32, vocabSize: config.vocab_size, maxLength: 64 },
    );
    try {
      const prompt = Array.from({ length: 8 }, (_, i) => (i * 7919 + 13) % config.vocab_size);
      const cache = createReferenceKvCache(arch, config);
      const expected = referenceForward(arch, config, weights, prompt, cache);
      expect(
        maxAbsDiff(
          await runner.forward(
            prompt,
            prompt.map((_, i) => i),
          ),
          expected,
        ),
      ).toBeLessThan(1e-4);
      let next = argmaxRow(expected, prompt.length - 1, config.vocab_size);
      for (let step = 0; step < 4; step++) {
        const stepExpected = referenceForward(arch, config, weights, [next], cache);
        expect(maxAbsDiff(await runner.forward([next]), stepExpected)).toBeLessThan(1e-4);
        next = argmaxRow(stepExpected, 0, config.vocab_size);
      }
    } finally {
      await runner.dispose();
    }
  });

  it('runs the fp16 variant (float16 weights, past and presents; casts at the boundary) chosen with runtime { variant: "fp16" }', async () => {
    const exported = await exportedCheckpoint(root, 'fp16', {
      tokenizer: 'gpt2',
      config: { num_attention_heads: 4, num_key_value_heads: 2 },
      seed: 5,
    });
    await writeFp16Variant(exported.dir);
    expect(await listOnnxVariants(exported.dir)).toEqual([
      { name: 'fp32', file: 'model.onnx' },
      { name: 'fp16', file: 'model_fp16.onnx' },
    ]);
    // The CLI's --dtype maps to a variant too.
    expect((await resolveOnnxVariant(exported.dir, undefined, 'float16')).file).toBe('model_fp16.onnx');
    expect((await resolveOnnxVariant(exported.dir, undefined, 'float32')).file).toBe('model.onnx');
    const rounded = new Map(
      [...exported.checkpoint.weights].map(
        ([key, values]) => [key, float16ToFloat32(float32ToFloat16(values))] as const,
      ),
    );
    const plugin = await loadPlugin(exported.dir, { variant: 'fp16' });
    try {
      // fp16 K/V in the graph's cache and fp16 rotary tables: looser than fp32, far tighter than a wrong graph.
      await checkAgainstReference(plugin, exported, rounded, 2e-2);
      expect(plugin.modelConfig.variant).toBe('fp16');
    } finally {
      await plugin.cleanup();
    }
    const config = JSON.parse(await readFile(join(exported.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.num_key_value_heads).toBe(2);
  });
});
