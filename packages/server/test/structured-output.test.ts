import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomJsonSchema, writeRandomCheckpoint } from '@pio/test-kit';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PioServer, startServer } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const conditions = ['@pio/source', 'import', 'default'];

let root: string;
let server: PioServer;
let client: OpenAI;

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The weather in a city.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 8 }, unit: { enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const time = {
  type: 'function' as const,
  function: {
    name: 'get_time',
    parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } }, required: ['zone'] },
  },
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-structured-'));
  // Random weights: only the grammar keeps the output valid. The GPT-2 vocabulary (50k) keeps the 50 schemas fast;
  // the Qwen3 tokenizer brings its real chat template (tools, <tool_call>). Llama 3 JSON calls: grammar and parser unit tests.
  const [gpt2, qwen3] = await Promise.all([
    writeRandomCheckpoint(join(root, 'sg2'), { arch: 'llama', tokenizer: 'gpt2', seed: 3 }),
    writeRandomCheckpoint(join(root, 'sq3'), { arch: 'llama', tokenizer: 'qwen3', seed: 4 }),
  ]);
  server = await startServer({
    models: [gpt2.dir, qwen3.dir],
    port: 0,
    cacheDir: join(root, 'cache'),
    roots: [packageDir],
    conditions,
  });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('structured output through the openai client', () => {
  it('gives output that validates for 50 random schemas on a random-weight model (json_schema on /v1/completions)', async () => {
    const ajv = new Ajv({ strict: false });
    let valid = 0;
    for (let seed = 0; seed < 50; seed++) {
      const schema = randomJsonSchema(seed, { maxProperties: 2 });
      const completion = await client.completions.create({
        model: 'sg2',
        prompt: 'A thing, as JSON:',
        response_format: { type: 'json_schema', json_schema: { name: `s${seed}`, schema, strict: true } },
        max_tokens: 400,
        // Sampled and greedy alike: the mask applies before either.
        temperature: seed % 2,
        seed,
        // response_format on /v1/completions is a PIO extension (the openai types have it on chat only).
      } as OpenAI.CompletionCreateParamsNonStreaming);
      const choice = completion.choices[0]!;
      expect(choice.finish_reason, `seed ${seed}`).toBe('stop');
      const value = JSON.parse(choice.text) as unknown;
      const ok = ajv.validate(schema, value);
      expect(ok, `seed ${seed}: ${choice.text} against ${JSON.stringify(schema)}`).toBe(true);
      if (ok) valid++;
    }
    expect(valid).toBe(50);
  });

  it('streams json_object output on /v1/completions that opens an object', async () => {
    const stream = await client.completions.create({
      model: 'sg2',
      prompt: 'JSON:',
      response_format: { type: 'json_object' },
      max_tokens: 24,
      stream: true,
    } as OpenAI.CompletionCreateParamsStreaming);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text.startsWith('{')).toBe(true);
  });

  it('answers a schema it cannot enforce with a 400', async () => {
    await expect(
      client.chat.completions.create({
        model: 'sq3',
        messages: [{ role: 'user', content: 'x' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'bad', schema: { type: 'number', minimum: 0.1, maximum: 0.9 } },
        },
      }),
    ).rejects.toMatchObject({ status: 400 });
  });
});

describe('tool calls through the openai client', () => {
  for (const model of ['sq3']) {
    it(`round-trips a required call (Qwen3 <tool_call>): tool_calls parse and match the parameters, a tool message gets an answer`, async () => {
      const ajv = new Ajv({ strict: false });
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await client.chat.completions.create({
        model,
        messages,
        tools: [weather, time],
        tool_choice: 'required',
        max_tokens: 120,
        temperature: 1,
        seed: 1,
      });
      const choice = first.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      const calls = choice.message.tool_calls ?? [];
      expect(calls).toHaveLength(1);
      const call = calls[0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
      const tool = [weather, time].find((t) => t.function.name === call.function.name);
      expect(tool).toBeDefined();
      expect(ajv.validate(tool!.function.parameters, JSON.parse(call.function.arguments))).toBe(true);
      expect(call.id).toMatch(/^call_/);

      const answer = await client.chat.completions.create({
        model,
        messages: [
          ...messages,
          { role: 'assistant', content: null, tool_calls: calls },
          { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21}' },
        ],
        tools: [weather, time],
        tool_choice: 'none',
        max_tokens: 6,
      });
      expect(answer.choices[0]!.message.tool_calls ?? []).toEqual([]);
      expect(typeof answer.choices[0]!.message.content).toBe('string');
    });
  }

  it('streams a named call as tool_calls deltas in the OpenAI chunk format', async () => {
    const stream = await client.chat.completions.create({
      model: 'sq3',
      messages: [{ role: 'user', content: 'What time is it?' }],
      tools: [weather, time],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      max_tokens: 60,
      stream: true,
    });
    const calls: { name: string; arguments: string }[] = [];
    let finish: string | null = null;
    let content = '';
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      content += choice.delta.content ?? '';
      for (const part of choice.delta.tool_calls ?? []) {
        calls[part.index] ??= { name: '', arguments: '' };
        calls[part.index]!.name += part.function?.name ?? '';
        calls[part.index]!.arguments += part.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.name).toBe('get_time');
    expect(['UTC', 'CET']).toContain((JSON.parse(calls[0]!.arguments) as { zone: string }).zone);
    expect(content).not.toContain('<tool_call>');
  });
});
