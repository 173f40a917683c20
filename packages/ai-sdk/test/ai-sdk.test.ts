import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError, type GenerationDelta } from '@pio/core';
import { demoModelDir } from '@pio/demo-model';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { generateObject, generateText, stepCountIs, streamObject, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPio, type PioProvider } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
// The warnings are asserted on the results; the AI SDK need not print them too.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let root: string;
let pio: PioProvider;
/** A random-weight Llama with the Qwen3 tokenizer and chat template (`<tool_call>` syntax). */
let chatCheckpoint: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-ai-sdk-'));
  ({ dir: chatCheckpoint } = await writeRandomCheckpoint(join(root, 'tiny-chat'), {
    arch: 'llama',
    tokenizer: 'qwen3',
    seed: 5,
    keepWeights: false,
  }));
  pio = createPio({
    roots: [packageDir],
    conditions: ['@pio/source', 'import', 'default'],
    cacheDir: join(root, 'cache'),
  });
});

afterAll(async () => {
  await pio?.close();
  await rm(root, { recursive: true, force: true });
});

async function collect(
  deltas: AsyncIterable<GenerationDelta>,
): Promise<{ text: string; ids: number[]; finish?: GenerationDelta }> {
  let text = '';
  const ids: number[] = [];
  let finish: GenerationDelta | undefined;
  for await (const delta of deltas) {
    text += delta.text;
    if (delta.type === 'token') ids.push(delta.tokenId);
    if (delta.type === 'finish') finish = delta;
  }
  return { text, ids, ...(finish ? { finish } : {}) };
}

describe('generateText and streamText', () => {
  it('continue a prompt of the demo model (no chat template) exactly as the plugin does, with its token counts', async () => {
    const model = pio(demoModelDir());
    const prompt = 'And God said,';
    const result = await generateText({ model, prompt, maxOutputTokens: 24, temperature: 0 });
    const { plugin } = await model.model();
    const direct = await plugin.generateText(prompt, { maxNewTokens: 24, temperature: 0 });
    expect(result.text).toBe(direct.text);
    expect(result.text).toMatch(/[a-z]+ [a-z]+/i);
    expect(result.finishReason).toBe(direct.finishReason === 'length' ? 'length' : 'stop');
    expect(result.usage.inputTokens).toBe(plugin.tokenize(prompt).length);
    expect(result.usage.outputTokens).toBe(direct.ids.length);
    expect(result.warnings?.map((warning) => warning.type === 'compatibility' && warning.feature)).toEqual(['chat']);
    expect(result.providerMetadata?.pio?.pluginName).toBe('@pio/model-llama');
  });

  it('stream a chat whose deltas join to the text the plugin gives, with usage and finish reason', async () => {
    const model = pio(chatCheckpoint);
    const system = 'You are terse.';
    const messages = [{ role: 'user' as const, content: 'Name three colors.' }];
    const result = streamText({ model, system, messages, maxOutputTokens: 20, temperature: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    const { plugin } = await model.model();
    const direct = await collect(
      plugin.chat!([{ role: 'system', content: system }, ...messages], { maxNewTokens: 20, temperature: 0 }),
    );
    const finish = direct.finish as Extract<GenerationDelta, { type: 'finish' }>;
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(direct.text);
    expect(await result.text).toBe(direct.text);
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(finish.usage.promptTokens);
    expect(usage.outputTokens).toBe(direct.ids.length);
    expect(usage.outputTokens).toBe(finish.usage.completionTokens);
    expect(await result.finishReason).toBe(finish.finishReason);
    expect(await result.warnings).toEqual([]);
  });

  it('stops a stream mid-way on abort, and the shared model answers the next call', async () => {
    const model = pio(chatCheckpoint);
    const controller = new AbortController();
    const parts: string[] = [];
    let deltas = 0;
    const result = streamText({
      model,
      prompt: 'Count to one hundred.',
      maxOutputTokens: 200,
      temperature: 0,
      abortSignal: controller.signal,
    });
    for await (const part of result.fullStream) {
      parts.push(part.type);
      if (part.type === 'text-delta' && ++deltas === 3) controller.abort();
    }
    expect(parts).toContain('abort');
    expect(parts).not.toContain('finish');
    expect(deltas).toBeLessThan(10);
    const next = await generateText({ model, prompt: 'Hi', maxOutputTokens: 3, temperature: 0 });
    expect(next.usage.outputTokens).toBe(3);
  });

  it('opens a model once for concurrent calls, which the plugin batches with the same greedy output as alone', async () => {
    const shared = createPio({
      roots: [packageDir],
      conditions: ['@pio/source', 'import', 'default'],
      cacheDir: join(root, 'cache'),
    });
    try {
      const model = shared(chatCheckpoint);
      const prompts = ['Hello', 'Tell me a story about a cat'];
      const together = await Promise.all(
        prompts.map((prompt) => generateText({ model, prompt, maxOutputTokens: 8, temperature: 0 })),
      );
      expect(shared(chatCheckpoint) === model).toBe(false);
      expect(await shared(chatCheckpoint).model()).toBe(await model.model());
      for (const [i, prompt] of prompts.entries()) {
        const alone = await generateText({ model, prompt, maxOutputTokens: 8, temperature: 0 });
        expect(together[i]!.text).toBe(alone.text);
      }
    } finally {
      await shared.close();
    }
  });

  it('reports a missing checkpoint with PIO’s typed error, and warns about HTTP headers', async () => {
    const error = await generateText({ model: pio(join(root, 'nope')), prompt: 'x', maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect(CheckpointError.isInstance(error)).toBe(true);
    const result = await generateText({
      model: pio(chatCheckpoint),
      prompt: 'x',
      maxOutputTokens: 1,
      headers: { 'x-a': '1' },
    });
    expect(result.warnings?.map((warning) => warning.type === 'unsupported' && warning.feature)).toEqual(['headers']);
  });
});

describe('structured output and tools', () => {
  const person = z.object({
    name: z.string().max(12),
    age: z.number().int().min(0).max(120),
    pets: z.array(z.enum(['cat', 'dog', 'fish'])).max(3),
  });

  it('generateObject with a zod schema returns a valid object from random weights (constrained decoding)', async () => {
    const { object, finishReason } = await generateObject({
      model: pio(chatCheckpoint),
      schema: person,
      prompt: 'Describe a person.',
      maxOutputTokens: 200,
      temperature: 1,
      seed: 3,
    });
    expect(finishReason).toBe('stop');
    expect(person.parse(object)).toEqual(object);
  });

  it('streamObject streams partial objects that end in a valid one', async () => {
    const result = streamObject({
      model: pio(chatCheckpoint),
      schema: person,
      prompt: 'Describe a person.',
      maxOutputTokens: 200,
      temperature: 0,
    });
    let partials = 0;
    for await (const _ of result.partialObjectStream) partials++;
    expect(partials).toBeGreaterThan(1);
    const object = await result.object;
    expect(person.parse(object)).toEqual(object);
  });

  it('streams a required tool call as tool-input parts and a tool call that matches the schema', async () => {
    const input = z.object({ city: z.string().max(8) });
    const result = streamText({
      model: pio(chatCheckpoint),
      prompt: 'Weather in Rome?',
      tools: { weather: tool({ inputSchema: input }) },
      toolChoice: { type: 'tool', toolName: 'weather' },
      maxOutputTokens: 40,
      temperature: 1,
      seed: 2,
    });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    expect(parts).toEqual(
      expect.arrayContaining(['tool-input-start', 'tool-input-delta', 'tool-input-end', 'tool-call']),
    );
    const [call] = await result.toolCalls;
    expect(call!.toolName).toBe('weather');
    expect(input.parse(call!.input)).toEqual(call!.input);
    expect(await result.finishReason).toBe('tool-calls');
  });

  it('calls a required tool with arguments that match its schema, and answers its result', async () => {
    const cities: string[] = [];
    const result = await generateText({
      model: pio(chatCheckpoint),
      prompt: 'What is the weather in Paris?',
      tools: {
        weather: tool({
          description: 'The weather in a city.',
          inputSchema: z.object({ city: z.string().max(8), unit: z.enum(['celsius', 'fahrenheit']) }),
          execute: async ({ city }) => {
            cities.push(city);
            return { city, degrees: 21 };
          },
        }),
      },
      toolChoice: 'required',
      prepareStep: ({ stepNumber }) => (stepNumber > 0 ? { toolChoice: 'auto' } : {}),
      stopWhen: stepCountIs(2),
      maxOutputTokens: 60,
      temperature: 1,
      seed: 1,
    });
    const [first, second] = result.steps;
    expect(first!.finishReason).toBe('tool-calls');
    expect(first!.toolCalls).toHaveLength(1);
    expect(first!.toolCalls[0]!.toolName).toBe('weather');
    expect(cities).toHaveLength(1);
    expect(first!.toolResults[0]!.output).toEqual({ city: cities[0], degrees: 21 });
    // The second step's prompt is the first one plus the call and its result, rendered by the chat template.
    expect(second!.usage.inputTokens).toBeGreaterThan(first!.usage.inputTokens! + first!.usage.outputTokens!);
    expect(['stop', 'length', 'tool-calls']).toContain(second!.finishReason);
  });
});
