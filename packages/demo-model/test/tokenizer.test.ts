import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoModelDir, demoModelHeldOutText, demoModelTraining } from '../src/index.js';
import { type OpenedDemoModel, openDemoModel } from './open-demo-model.js';

let root: string;
let opened: OpenedDemoModel;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-demo-model-tokenizer-'));
  opened = await openDemoModel(root);
});
afterAll(async () => {
  await opened?.manager[Symbol.asyncDispose]();
  await rm(root, { recursive: true, force: true });
});

describe('the demo model folder', () => {
  it('is a tied LlamaForCausalLM with the files a Hugging Face checkpoint has, under 30 MB', async () => {
    const config = JSON.parse(await readFile(join(demoModelDir(), 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ architectures: ['LlamaForCausalLM'], model_type: 'llama', tie_word_embeddings: true });
    const weights = await readFile(join(demoModelDir(), 'model.safetensors'));
    expect(weights.byteLength).toBeLessThan(30 * 1024 * 1024);
    const training = demoModelTraining();
    expect(training.parameters).toBeGreaterThan(1e6);
    expect(training.held_out_tokens).toBeGreaterThan(10_000);
  });

  it('its byte-level BPE tokenizer round-trips the held-out text, about 4 characters a token', () => {
    const text = demoModelHeldOutText();
    const ids = opened.plugin.tokenize(text);
    expect(opened.plugin.detokenize(ids)).toBe(text);
    expect(text.length / ids.length).toBeGreaterThan(3);
    expect(ids.length).toBeLessThan(demoModelTraining().held_out_tokens + 100);
  });
});
