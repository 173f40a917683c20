import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPromptChunk } from '@pio/engine';
import {
  createPackagePlugin,
  createReferenceKvCache,
  maxAbsDiff,
  referenceForward,
  writeRandomCheckpoint,
} from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaPlugin, type LlamaPlugin } from '../src/index.js';

// Inputs longer than the runner's prompt chunk (256) run in several runs over the cache: the same logits.
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const length = 2 * defaultPromptChunk + 88;
let root: string;
let plugin: LlamaPlugin;
let checkpoint: Awaited<ReturnType<typeof writeRandomCheckpoint>>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-llama-chunked-'));
  checkpoint = await writeRandomCheckpoint(join(root, 'model'), {
    arch: 'llama',
    tokenizer: 'gpt2',
    seed: 21,
    config: { max_position_embeddings: 1024, num_key_value_heads: 2 },
  });
  plugin = await createPackagePlugin(packageDir, createLlamaPlugin);
  await plugin.initialize({ checkpoint: checkpoint.dir, cacheDir: join(root, 'cache') });
});

afterAll(async () => {
  await plugin.cleanup();
  await rm(root, { recursive: true, force: true });
});

const prompt = Array.from({ length }, (_, i) => (i * 7919 + 13) % 50000);

describe('a prompt longer than the prompt chunk', () => {
  it('gives the float64 reference logits at every position, in the order asked, then decodes on', async () => {
    const { arch, config, weights } = checkpoint;
    const vocab = config.vocab_size;
    const cache = createReferenceKvCache(arch, config);
    const expected = referenceForward(arch, config, weights, prompt, cache);
    const all = await plugin.forward(prompt, { reset: true, logitIndices: prompt.map((_, i) => i) });
    expect(maxAbsDiff(all, expected)).toBeLessThan(1e-4);
    // Rows from different chunks, out of order and repeated.
    const picked = [length - 1, 3, defaultPromptChunk, defaultPromptChunk - 1, 3];
    const rows = await plugin.forward(prompt, { reset: true, logitIndices: picked });
    const wanted = new Float32Array(picked.length * vocab);
    picked.forEach((position, row) => {
      wanted.set(expected.subarray(position * vocab, (position + 1) * vocab), row * vocab);
    });
    expect(maxAbsDiff(rows, wanted)).toBeLessThan(1e-4);
    const step = referenceForward(arch, config, weights, [7], cache);
    expect(maxAbsDiff(await plugin.forward([7]), step)).toBeLessThan(1e-4);
  });

  it('refuses a logit index outside the input and leaves the cache as it was', async () => {
    await plugin.forward(prompt.slice(0, 10), { reset: true });
    await expect(plugin.forward(prompt, { logitIndices: [length] })).rejects.toThrow(
      `logit index ${length} is not a position among the ${length} tokens fed`,
    );
    // The cache still holds the 10 tokens: one more step equals the reference after them.
    const { arch, config, weights } = checkpoint;
    const cache = createReferenceKvCache(arch, config);
    referenceForward(arch, config, weights, prompt.slice(0, 10), cache);
    const step = referenceForward(arch, config, weights, [prompt[10]!], cache);
    expect(maxAbsDiff(await plugin.forward([prompt[10]!]), step)).toBeLessThan(1e-4);
  });
});
