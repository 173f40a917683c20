import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContextLengthError, PioError, PromptError } from '@pio/core';
import { createPackagePlugin, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaPlugin, type LlamaPlugin } from '../src/index.js';

// A model with a 256-token context, as small models often have: the default of
// 256 new tokens never fits after a prompt, so it must shrink to what does.
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const contextLength = 256;
const vocabSize = 50257;
let root: string;
let plugin: LlamaPlugin;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-llama-context-'));
  const checkpoint = await writeRandomCheckpoint(join(root, 'model'), {
    arch: 'llama',
    tokenizer: 'gpt2',
    seed: 8,
    config: { max_position_embeddings: contextLength },
  });
  plugin = await createPackagePlugin(packageDir, createLlamaPlugin);
  await plugin.initialize({ checkpoint: checkpoint.dir, cacheDir: join(root, 'cache') });
});

afterAll(async () => {
  await plugin.cleanup();
  await rm(root, { recursive: true, force: true });
});

const idsOf = (length: number) => ({ inputIds: Array.from({ length }, (_, i) => 100 + i) });

/** What `work` rejects with, checked to be a PioError. */
async function rejection(work: () => Promise<unknown>): Promise<PioError> {
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(PioError.isInstance(error), String(error)).toBe(true);
  return error as PioError;
}

describe('the default number of new tokens', () => {
  it('fits what the context leaves after the prompt: a 20-token prompt generates up to the context', async () => {
    expect(plugin.modelConfig.maxContextLength).toBe(contextLength);
    const result = await plugin.generateText(idsOf(20));
    expect(result.usage.promptTokens).toBe(20);
    // Greedy on this checkpoint never draws its EOS: it runs to the end of the context.
    expect(result.finishReason).toBe('length');
    expect(result.usage.completionTokens).toBe(contextLength - 20);
  });

  it('leaves room for one token after a prompt one short of the context, and refuses a prompt that fills it', async () => {
    const oneLeft = await plugin.generateText(idsOf(contextLength - 1));
    expect(oneLeft.usage.completionTokens).toBe(1);
    const full = await rejection(() => plugin.generateText(idsOf(contextLength)));
    expect(ContextLengthError.isInstance(full)).toBe(true);
    expect(full.message).toContain(`${contextLength} tokens and 1 more`);
  });

  it('is not lowered when asked for explicitly: too many is a ContextLengthError', async () => {
    const error = await rejection(() => plugin.generateText(idsOf(20), { maxNewTokens: 256 }));
    expect(ContextLengthError.isInstance(error)).toBe(true);
    expect(error.message).toContain('20 tokens and 256 more');
  });

  it('keeps as much of a long prompt as leaves room for one token with truncatePrompt', async () => {
    const long = idsOf(300);
    const result = await plugin.generateText(long, { truncatePrompt: true });
    expect(result.promptIds).toEqual(long.inputIds.slice(300 - (contextLength - 1)));
    expect(result.usage.completionTokens).toBe(1);
  });
});

describe('prompts the model cannot run', () => {
  it('refuses an empty prompt with PromptError (PIO_PROMPT)', async () => {
    expect(plugin.tokenize('')).toEqual([]);
    for (const prompt of ['', { inputIds: [] }]) {
      const error = await rejection(() => plugin.generateText(prompt));
      expect(PromptError.isInstance(error)).toBe(true);
      expect(error.code).toBe('PIO_PROMPT');
      expect(error.message).toContain('The prompt is empty');
    }
  });

  it('names the first id outside the vocabulary, its position and the vocabulary size', async () => {
    const error = await rejection(() => plugin.generateText({ inputIds: [15496, vocabSize, 7, vocabSize + 5] }));
    expect(PromptError.isInstance(error)).toBe(true);
    expect(error.message).toContain(`Prompt token id ${vocabSize} at position 1`);
    expect(error.message).toContain(`[0, ${vocabSize})`);
    for (const bad of [[-1], [1.5]]) {
      expect(PromptError.isInstance(await rejection(() => plugin.generateText({ inputIds: bad })))).toBe(true);
    }
  });

  it('checks infer() and forward() the same way, and the plugin still generates afterwards', async () => {
    expect(PromptError.isInstance(await rejection(() => plugin.infer({ inputIds: [1, vocabSize] })))).toBe(true);
    expect(PromptError.isInstance(await rejection(() => plugin.forward([vocabSize], { reset: true })))).toBe(true);
    const after = await plugin.generateText(idsOf(3), { maxNewTokens: 2 });
    expect(after.ids).toHaveLength(2);
  });
});
