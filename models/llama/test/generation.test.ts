import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContextLengthError } from '@pio/core';
import { createPackagePlugin, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaPlugin, type LlamaPlugin } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
let root: string;
let plugin: LlamaPlugin;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-llama-generation-'));
  const checkpoint = await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 3 });
  plugin = await createPackagePlugin(packageDir, createLlamaPlugin);
  await plugin.initialize({
    checkpoint: checkpoint.dir,
    cacheDir: join(root, 'cache'),
    runtime: { maxContextLength: 128 },
  });
});

afterAll(async () => {
  await plugin.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe('generation through the Llama plugin', () => {
  it('samples reproducibly: the same seed gives the same tokens, another seed others', async () => {
    const options = { maxNewTokens: 24, temperature: 1, topK: 40, topP: 0.95, seed: 123 };
    const first = await plugin.generateText('Hello there', options);
    const again = await plugin.generateText('Hello there', options);
    const other = await plugin.generateText('Hello there', { ...options, seed: 124 });
    expect(first.ids).toHaveLength(24);
    expect(again.ids).toEqual(first.ids);
    expect(other.ids).not.toEqual(first.ids);
    expect(first.usage).toMatchObject({ promptTokens: 2, completionTokens: 24 });
  });

  it('is greedy by default and at temperature 0', async () => {
    const byDefault = await plugin.generateText('Hello there', { maxNewTokens: 12 });
    const greedy = await plugin.generateText('Hello there', { maxNewTokens: 12, temperature: 0, seed: 9 });
    expect(greedy.ids).toEqual(byDefault.ids);
  });

  it('ends at a stop string, which is not part of the text', async () => {
    const full = await plugin.generateText('Hello there', { maxNewTokens: 16 });
    // A stop string made of the text of two tokens from the middle: it spans a token boundary.
    const third = plugin.detokenize(full.ids.slice(2, 3));
    const fourth = plugin.detokenize(full.ids.slice(3, 4));
    const stop = third.slice(-2) + fourth.slice(0, 1);
    const stopped = await plugin.generateText('Hello there', { maxNewTokens: 16, stop: [stop] });
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(stopped.text).not.toContain(stop);
  });

  it('stops when aborted in the middle of a stream', async () => {
    const controller = new AbortController();
    const ids: number[] = [];
    let finish = '';
    for await (const delta of plugin.generate('Hello', { maxNewTokens: 50, signal: controller.signal })) {
      if (delta.type === 'token') {
        ids.push(delta.tokenId);
        if (ids.length === 5) controller.abort();
      } else if (delta.type === 'finish') finish = delta.finishReason;
    }
    expect(ids).toHaveLength(5);
    expect(finish).toBe('abort');
  });

  it('reuses the cached prefix of a follow-up prompt and generates exactly what a cold start does', async () => {
    const first = await plugin.generateText('Hello there', { maxNewTokens: 10 });
    const followUp = [...first.promptIds, ...first.ids, ...plugin.tokenize(' and then')];
    const warm = await plugin.generateText({ inputIds: followUp }, { maxNewTokens: 10 });
    // Everything fed before is reused: the prompt and all generated tokens but the last (never fed).
    expect(warm.usage.cachedPromptTokens).toBe(first.promptIds.length + first.ids.length - 1);
    await plugin.forward([1], { reset: true });
    const cold = await plugin.generateText({ inputIds: followUp }, { maxNewTokens: 10 });
    expect(cold.usage.cachedPromptTokens).toBe(0);
    expect(warm.ids).toEqual(cold.ids);
  });

  it('refuses a prompt over the context before any compute, or keeps its end with truncatePrompt', async () => {
    const long = { inputIds: Array.from({ length: 120 }, (_, i) => 100 + i) };
    const error = await plugin.generateText(long, { maxNewTokens: 16 }).catch((e: unknown) => e);
    expect(ContextLengthError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('120 tokens and 16 more');
    const truncated = await plugin.generateText(long, { maxNewTokens: 16, truncatePrompt: true });
    expect(truncated.usage.promptTokens).toBe(112);
    expect(truncated.promptIds).toEqual(long.inputIds.slice(8));
    expect(truncated.ids).toHaveLength(16);
  });
});
