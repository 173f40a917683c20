import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpointWeights } from '@pio/safetensors';
import { type HfDecoderConfig, type ReferenceWeights, referenceGreedy } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoModelDir } from '../src/index.js';
import { type OpenedDemoModel, openDemoModel } from './open-demo-model.js';

/** Ten openings, some from held-out chapters, some not in the Bible at all. */
const prompts = [
  'In the beginning God created',
  'And the LORD spake unto Moses, saying,',
  'Blessed are the meek:',
  'The LORD is my shepherd;',
  'And Jesus answered and said unto them,',
  'Now the serpent was more subtil than any beast',
  'For God so loved the world,',
  'And it came to pass in those days,',
  'The king went up to the house of the LORD,',
  'My son, hear the instruction of thy father,',
];
const newTokens = 64;

let root: string;
let opened: OpenedDemoModel;
let config: HfDecoderConfig;
const weights = new Map<string, Float32Array>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-demo-model-greedy-'));
  opened = await openDemoModel(root);
  config = JSON.parse(await readFile(join(demoModelDir(), 'config.json'), 'utf8')) as HfDecoderConfig;
  await using store = await openCheckpointWeights(demoModelDir());
  for (const name of store.tensorNames()) weights.set(name, await store.read(name));
});
afterAll(async () => {
  await opened?.manager[Symbol.asyncDispose]();
  await rm(root, { recursive: true, force: true });
});

describe('greedy continuations of the trained model, PIO float32 against the plain reference forward pass', () => {
  it.each(prompts)('%s', async (prompt) => {
    const promptIds = opened.plugin.tokenize(prompt);
    const expected = referenceGreedy('llama', config, weights as ReferenceWeights, promptIds, newTokens);
    const got = await opened.plugin.generateText({ inputIds: promptIds }, { maxNewTokens: newTokens, temperature: 0, repetitionPenalty: 1 });
    // Plain greedy (generation_config's repetition penalty off), as the reference decodes.
    // Trained logits are peaky: the choices are clear-cut, so the tokens must be identical.
    expect(Math.min(...expected.margins)).toBeGreaterThan(1e-3);
    expect(got.ids).toEqual(expected.tokens.slice(0, got.ids.length));
    // Only the model's own end-of-text token may end PIO's generation early.
    expect(got.ids.length === newTokens || got.finishReason === 'stop').toBe(true);
  });
});
