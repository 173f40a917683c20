import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginFactory, TextModelPlugin } from '@pio/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointShapeName, checkpointShapes } from '../checkpoint/checkpoint-shapes.js';
import { writeRandomCheckpoint } from '../checkpoint/write-random-checkpoint.js';
import { maxAbsDiff } from '../reference/max-abs-diff.js';
import { referenceForward } from '../reference/reference-forward.js';
import { referenceGreedy } from '../reference/reference-greedy.js';
import { createReferenceKvCache } from '../reference/reference-kv-cache.js';
import { createPackagePlugin } from './create-package-plugin.js';

/** A text plugin that can also step through a sequence with its KV cache (as `DecoderTextPlugin` does). */
export interface SteppingTextPlugin extends TextModelPlugin {
  /** Feeds ids after the cached ones (or after none with `reset`) and returns logits at `logitIndices`. */
  forward(
    inputIds: readonly number[],
    options?: { logitIndices?: readonly number[]; reset?: boolean },
  ): Promise<Float32Array>;
}

/** What {@link describeInferenceSuite} runs. */
export interface InferenceSuiteOptions {
  /** The model package folder (its package.json gives the plugin's metadata). */
  packageDir: string;
  /** The package's plugin factory. */
  createPlugin: PluginFactory;
  /** Checkpoint shapes to run (names of `checkpointShapes`). */
  shapes: readonly CheckpointShapeName[];
  /** Largest allowed absolute logit difference. Default 1e-4. */
  tolerance?: number;
}

const prefillLength = 16;
const decodeSteps = 16;
/** New tokens fed at once after the decode steps, over the cached past. */
const followUpLength = 6;
const greedyTokens = 32;
/** Reference margins below this are near-ties that float rounding may flip. */
const nearTie = 1e-3;

/**
 * The inference bar every decoder model package runs: for each checkpoint
 * shape, a deterministic random checkpoint in the Hugging Face layout is run
 * through the real plugin (graph build, onnxruntime, KV cache) and compared
 * number for number with the plain reference forward pass — logits of a
 * 16-token prefill and of 16 single-token decode steps, of 6 tokens fed at
 * once over that cache (a follow-up turn; engines with a prefill graph run it
 * there), then 32 greedy tokens.
 */
export function describeInferenceSuite(options: InferenceSuiteOptions): void {
  const tolerance = options.tolerance ?? 1e-4;
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-inference-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe.each(options.shapes.map((name) => [name]))('%s', (name) => {
    const shape = checkpointShapes[name];
    it(`matches the reference: ${shape.description}`, async () => {
      const { description: _description, ...recipe } = shape;
      const checkpoint = await writeRandomCheckpoint(join(root, name), { ...recipe, seed: 11 });
      const plugin = (await createPackagePlugin(options.packageDir, options.createPlugin)) as SteppingTextPlugin;
      try {
        await plugin.initialize({ checkpoint: checkpoint.dir, cacheDir: join(root, 'cache') });
        const { arch, config, weights } = checkpoint;
        const vocab = config.vocab_size;
        const prompt = Array.from({ length: prefillLength }, (_, i) => (i * 7919 + 13) % Math.min(vocab, 50000));

        // Prefill: logits of every position.
        const cache = createReferenceKvCache(arch, config);
        const expectedPrefill = referenceForward(arch, config, weights, prompt, cache);
        const gotPrefill = await plugin.forward(prompt, { reset: true, logitIndices: prompt.map((_, i) => i) });
        expect(maxAbsDiff(gotPrefill, expectedPrefill)).toBeLessThan(tolerance);

        // Decode steps through the KV cache, feeding the reference's own choices.
        let next = argmaxRow(expectedPrefill, prefillLength - 1, vocab);
        for (let step = 0; step < decodeSteps; step++) {
          const expected = referenceForward(arch, config, weights, [next], cache);
          const got = await plugin.forward([next]);
          expect(maxAbsDiff(got, expected), `decode step ${step}`).toBeLessThan(tolerance);
          next = argmaxRow(expected, 0, vocab);
        }

        // Several new tokens over a cached past (the next turn of a chat): logits of every new position.
        const turn = [
          next,
          ...Array.from({ length: followUpLength - 1 }, (_, i) => (i * 104729 + 71) % Math.min(vocab, 50000)),
        ];
        const expectedTurn = referenceForward(arch, config, weights, turn, cache);
        const gotTurn = await plugin.forward(turn, { logitIndices: turn.map((_, i) => i) });
        expect(maxAbsDiff(gotTurn, expectedTurn), 'prefill over a cached past').toBeLessThan(tolerance);

        // Greedy generation, compared up to the first near-tie of the reference.
        const reference = referenceGreedy(arch, config, weights, prompt, greedyTokens);
        const result = await plugin.generateText({ inputIds: prompt }, { maxNewTokens: greedyTokens });
        const firstTie = reference.margins.findIndex((margin) => margin < nearTie);
        const comparable = firstTie === -1 ? greedyTokens : firstTie + 1;
        const stop = result.finishReason === 'stop' ? result.ids.length : greedyTokens;
        const length = Math.min(comparable, stop);
        expect(result.ids.slice(0, length)).toEqual(reference.tokens.slice(0, length));
        if (shape.peaky) expect(length).toBe(greedyTokens);
      } finally {
        await plugin.cleanup();
      }
    });
  });
}

function argmaxRow(logits: Float32Array, row: number, vocab: number): number {
  let best = 0;
  for (let i = 1; i < vocab; i++) if (logits[row * vocab + i]! > logits[row * vocab + best]!) best = i;
  return best;
}
