import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GenerateOptions, GenerationDelta, Prompt } from '@pio/core';
import { BatchScheduler, type DecoderRunner } from '@pio/engine';
import { createPackagePlugin, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLlamaPlugin, type LlamaPlugin } from '../src/index.js';

// Continuous batching through the plugin: concurrent generate() calls share batched steps; every sequence must
// produce exactly the tokens it produces alone (fp32, greedy and seeded sampling), whoever joins or leaves.
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
let root: string;
let plugin: LlamaPlugin;
let runner: DecoderRunner;

const prompts = [
  'Hello there',
  'The quick brown fox jumps over the lazy dog and keeps running',
  'Once upon a time',
  'A',
  'Numbers: 1, 2, 3, 4, 5, 6, 7',
];

interface Outcome {
  ids: number[];
  finishReason: string;
  text: string;
}

async function collect(stream: AsyncIterable<GenerationDelta>, onToken?: (count: number) => void): Promise<Outcome> {
  const ids: number[] = [];
  let text = '';
  for await (const delta of stream) {
    if (delta.type === 'token') {
      ids.push(delta.tokenId);
      text += delta.text;
      onToken?.(ids.length);
    } else if (delta.type === 'finish') {
      return { ids, text: text + delta.text, finishReason: delta.finishReason };
    }
  }
  throw new Error('no finish delta');
}

async function alone(prompt: Prompt, options: GenerateOptions): Promise<Outcome> {
  const result = await plugin.generateText(prompt, options);
  return { ids: result.ids, text: result.text, finishReason: result.finishReason };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-llama-batched-'));
  const checkpoint = await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 3 });
  plugin = await createPackagePlugin(packageDir, createLlamaPlugin);
  await plugin.initialize({
    checkpoint: checkpoint.dir,
    cacheDir: join(root, 'cache'),
    runtime: { maxContextLength: 128, maxBatchSize: 4 },
  });
  runner = (plugin as unknown as { runner: DecoderRunner }).runner;
});

afterAll(async () => {
  await plugin.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe('continuous batching through the Llama plugin', () => {
  it('gives every concurrent sequence the tokens it gets alone, in batched steps', async () => {
    expect(runner.batchable).toBe(true);
    const options = (index: number): GenerateOptions =>
      index === 2 ? { maxNewTokens: 20, temperature: 0.9, topK: 20, seed: 7 } : { maxNewTokens: 12 + 2 * index };
    const expected: Outcome[] = [];
    for (const [index, prompt] of prompts.entries()) expected.push(await alone(prompt, options(index)));
    const batched = vi.spyOn(runner, 'forwardBatch');
    // Five requests, four places: the fifth joins when the first leaves.
    const outcomes = await Promise.all(
      prompts.map((prompt, index) => collect(plugin.generate(prompt, options(index)))),
    );
    expect(outcomes).toEqual(expected);
    expect(batched).toHaveBeenCalled();
    batched.mockRestore();
  });

  it('lets sequences join a running one and leave mid-run, and aborts one without touching the others', async () => {
    const long = { maxNewTokens: 30 };
    const expectedLong = await alone(prompts[1]!, long);
    const expectedShort = await alone(prompts[0]!, { maxNewTokens: 3 });
    const expectedAborted = await alone(prompts[2]!, { maxNewTokens: 30 });
    const expectedLate = await alone(prompts[4]!, { maxNewTokens: 8 });
    const controller = new AbortController();
    const late: Promise<Outcome>[] = [];
    const running = collect(plugin.generate(prompts[1]!, long), (count) => {
      // The long one runs alone first; after 4 tokens two join, after 12 a third joins.
      if (count === 4) {
        late.push(collect(plugin.generate(prompts[0]!, { maxNewTokens: 3 })));
        late.push(
          collect(plugin.generate(prompts[2]!, { maxNewTokens: 30, signal: controller.signal }), (own) => {
            if (own === 5) controller.abort();
          }),
        );
      }
      if (count === 12) late.push(collect(plugin.generate(prompts[4]!, { maxNewTokens: 8 })));
    });
    const longOutcome = await running;
    const [short, aborted, lateOutcome] = await Promise.all(late);
    expect(longOutcome).toEqual(expectedLong);
    expect(short).toEqual(expectedShort);
    expect(lateOutcome).toEqual(expectedLate);
    expect(aborted!.finishReason).toBe('abort');
    expect(aborted!.ids.length).toBeGreaterThanOrEqual(5);
    expect(aborted!.ids).toEqual(expectedAborted.ids.slice(0, aborted!.ids.length));
  });

  it('keeps prefix reuse after a batch: a follow-up prompt starts from the cache', async () => {
    const first = await plugin.generateText(prompts[1]!, { maxNewTokens: 6 });
    const followUp = { inputIds: [...first.promptIds, ...first.ids, 11, 12] };
    const reused = await plugin.generateText(followUp, { maxNewTokens: 6 });
    expect(reused.usage.cachedPromptTokens).toBeGreaterThan(first.promptIds.length);
    await Promise.all(prompts.slice(0, 3).map((prompt) => plugin.generateText(prompt, { maxNewTokens: 4 })));
    const afterBatch = await plugin.generateText(followUp, { maxNewTokens: 6 });
    expect(afterBatch.ids).toEqual(reused.ids);
  });

  it('prefills prompts together beyond the context: more new tokens in one run than the context is no error', async () => {
    // Four 100-token prompts (400 together) under a 128-token context: one batched run of all four rotates 400
    // tokens against a 128-row rotary table (each sequence on its own, so each fits).
    const ids = (variant: number) => ({
      inputIds: Array.from({ length: 100 }, (_, i) => 5 + ((variant * 13 + i * 7) % 200)),
    });
    const options = { maxNewTokens: 5 };
    const expected: Outcome[] = [];
    for (let variant = 0; variant < 4; variant++) expected.push(await alone(ids(variant), options));
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, (_, variant) => collect(plugin.generate(ids(variant), options))),
    );
    expect(outcomes).toEqual(expected);
  });

  it('schedules a group of prompts larger than the context in one prefill run, each sequence greedy as alone', async () => {
    // Six 100-token prompts under a 128-token context, eight places: the scheduler groups fresh prompts by its
    // 2 × prefillChunk budget only (600 padded tokens here), not by the context, so all six go in one run.
    const scheduler = new BatchScheduler(runner, { maxBatchSize: 8, prefillChunk: 300 });
    const request = (variant: number) => ({
      promptIds: Array.from({ length: 100 }, (_, i) => 5 + ((variant * 29 + i * 11) % 300)),
      maxNewTokens: 6,
      stopTokenIds: [],
      sampling: { temperature: 0 },
      decode: (ids: readonly number[]) => ids.join(' '),
    });
    try {
      const expected: Outcome[] = [];
      for (let variant = 0; variant < 6; variant++) expected.push(await collect(scheduler.generate(request(variant))));
      // Forget the last prompt: it would be fed alone from the cache (prefix reuse) instead of with the others.
      runner.reset();
      const batched = vi.spyOn(runner, 'forwardBatch');
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, variant) => collect(scheduler.generate(request(variant)))),
      );
      expect(outcomes).toEqual(expected);
      const prefills = batched.mock.calls.map(([, tokens]) => tokens.reduce((sum, ids) => sum + ids.length, 0));
      expect(prefills[0]).toBe(600);
      expect(prefills[0]).toBeGreaterThan(runner.shape.maxLength);
      batched.mockRestore();
    } finally {
      scheduler.dispose();
    }
  });
});
