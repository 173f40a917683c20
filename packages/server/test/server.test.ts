import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTextModelPlugin, PluginManager, type TextModelPlugin } from '@pio/core';
import { writeRandomCheckpoint } from '@pio/test-kit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ModelStats, type PioServer, startServer } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const conditions = ['@pio/source', 'import', 'default'];
const messages: { role: 'system' | 'user'; content: string }[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Name three colors.' },
];

let root: string;
let server: PioServer;
let keyed: PioServer;
let client: OpenAI;
let manager: PluginManager;
let plugin: TextModelPlugin;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-server-'));
  const { dir } = await writeRandomCheckpoint(join(root, 'tiny'), { arch: 'llama', tokenizer: 'llama3', seed: 8 });
  const cacheDir = join(root, 'cache');
  manager = new PluginManager({ roots: [packageDir], conditions });
  await manager.discover();
  const record = await manager.findForCheckpoint(dir);
  const activated = await manager.activate(record.metadata.name, { checkpoint: dir, cacheDir });
  if (!isTextModelPlugin(activated)) throw new Error('not a text plugin');
  plugin = activated;
  [server, keyed] = await Promise.all([
    startServer({
      // tiny-q1 runs one generation at a time, so a second one queues.
      models: [dir, { checkpoint: dir, id: 'tiny-q1', maxQueue: 1, runtime: { maxBatchSize: 1 } }],
      port: 0,
      bodyLimit: 64 * 1024,
      cacheDir,
      roots: [packageDir],
      conditions,
    }),
    startServer({ models: [], port: 0, apiKey: 'sesame' }),
  ]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
});

afterAll(async () => {
  await Promise.all([server?.close(), keyed?.close(), manager?.[Symbol.asyncDispose]()]);
  await rm(root, { recursive: true, force: true });
});

async function direct(deltas: AsyncIterable<{ type: string; text: string }>): Promise<string> {
  let text = '';
  for await (const delta of deltas) text += delta.text;
  return text;
}

async function health(target = server): Promise<{ status: string; models: Record<string, ModelStats> }> {
  const response = await fetch(`${target.url}/health`);
  expect(response.status).toBe(200);
  return (await response.json()) as { status: string; models: Record<string, ModelStats> };
}

async function postRaw(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { error: Record<string, unknown> } };
}

/** Waits for a condition the server reaches on its own (no time limit asserted: vitest's test timeout bounds it). */
function eventually(check: () => Promise<void>): Promise<void> {
  return vi.waitFor(check, { timeout: 30_000, interval: 20 });
}

describe('@pio/server with the openai client', () => {
  it('binds 127.0.0.1 and lists its models (default id: the folder name)', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.models.map((model) => model.id)).toEqual(['tiny', 'tiny-q1']);
    expect(server.models[0]!.pluginName).toBe('@pio/model-llama');
    const list = await client.models.list();
    expect(list.data.map((model) => model.id)).toEqual(['tiny', 'tiny-q1']);
    expect((await client.models.retrieve('tiny')).owned_by).toBe('pio');
  });

  it('completes a prompt greedily exactly as the plugin does, with usage', async () => {
    const expected = await plugin.generateText('Hello there', { temperature: 0, maxNewTokens: 8 });
    const completion = await client.completions.create({ model: 'tiny', prompt: 'Hello there', max_tokens: 8, temperature: 0 });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]!.text).toBe(expected.text);
    expect(completion.choices[0]!.finish_reason).toBe('length');
    expect(completion.usage).toMatchObject({
      prompt_tokens: expected.promptIds.length,
      completion_tokens: 8,
      total_tokens: expected.promptIds.length + 8,
    });
    const fromIds = await client.completions.create({ model: 'tiny', prompt: expected.promptIds, max_tokens: 8, temperature: 0 });
    expect(fromIds.choices[0]!.text).toBe(expected.text);
  });

  it('answers a chat greedily exactly as the plugin does, streamed or not, with usage', async () => {
    const expected = await direct(plugin.chat!(messages, { temperature: 0, maxNewTokens: 10 }));
    const whole = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 10, temperature: 0 });
    expect(whole.choices[0]!.message).toMatchObject({ role: 'assistant', content: expected });
    expect(whole.choices[0]!.finish_reason).toBe('length');
    expect(whole.usage!.completion_tokens).toBe(10);
    expect(whole.usage!.total_tokens).toBe(whole.usage!.prompt_tokens + 10);

    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages,
      max_completion_tokens: 10,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(expected);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]!.finish_reason).toBe('length');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: whole.usage!.prompt_tokens, completion_tokens: 10 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('streams a completion that equals the whole one, ending with [DONE]', async () => {
    const whole = await client.completions.create({ model: 'tiny', prompt: 'Once upon', max_tokens: 12, temperature: 0 });
    const stream = await client.completions.create({ model: 'tiny', prompt: 'Once upon', max_tokens: 12, temperature: 0, stream: true });
    let text = '';
    let reason: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]!.text;
      reason = chunk.choices[0]!.finish_reason ?? reason;
      expect(chunk).not.toHaveProperty('usage');
    }
    expect(text).toBe(whole.choices[0]!.text);
    expect(reason).toBe('length');
    const raw = await fetch(`${server.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny', prompt: 'Once upon', max_tokens: 3, temperature: 0, stream: true }),
    });
    expect(raw.headers.get('content-type')).toContain('text/event-stream');
    expect((await raw.text()).endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('stops at a stop string (string or array), which is left out, with finish_reason stop', async () => {
    const full = (await client.completions.create({ model: 'tiny', prompt: 'Hello there', max_tokens: 16, temperature: 0 })).choices[0]!.text;
    const stop = full.slice(6, 9);
    const expected = full.slice(0, full.indexOf(stop));
    const stopped = await client.completions.create({ model: 'tiny', prompt: 'Hello there', max_tokens: 16, temperature: 0, stop });
    expect(stopped.choices[0]).toMatchObject({ text: expected, finish_reason: 'stop' });
    const streamed = await client.completions.create({
      model: 'tiny',
      prompt: 'Hello there',
      max_tokens: 16,
      temperature: 0,
      stop: ['never-appears', stop],
      stream: true,
    });
    let text = '';
    let reason: string | null = null;
    for await (const chunk of streamed) {
      text += chunk.choices[0]!.text;
      reason = chunk.choices[0]!.finish_reason ?? reason;
    }
    expect(text).toBe(expected);
    expect(reason).toBe('stop');
  });

  it('samples reproducibly with a seed (top_k, top_p, min_p and penalties accepted)', async () => {
    const request = {
      model: 'tiny',
      prompt: 'Seeded',
      max_tokens: 8,
      temperature: 1,
      top_p: 0.95,
      presence_penalty: 0.5,
      frequency_penalty: 0.5,
      top_k: 50,
      min_p: 0.01,
      repetition_penalty: 1.1,
    };
    const first = await client.completions.create({ ...request, seed: 42 });
    const again = await client.completions.create({ ...request, seed: 42 });
    const other = await client.completions.create({ ...request, seed: 43 });
    expect(again.choices[0]!.text).toBe(first.choices[0]!.text);
    expect(other.choices[0]!.text).not.toBe(first.choices[0]!.text);
  });

  it('gives OpenAI error JSON: malformed JSON, unknown model, over the context, too large, bad fields', async () => {
    const malformed = await postRaw('/v1/chat/completions', '{"model": "tiny", "messages": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null });

    const unknown = await client.chat.completions.create({ model: 'nope', messages }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });

    const tooMany = await client.completions.create({ model: 'tiny', prompt: 'Hi', max_tokens: 5000 }).catch((error: unknown) => error);
    expect(tooMany).toBeInstanceOf(OpenAI.BadRequestError);
    expect(tooMany).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'prompt' });
    const longPrompt = Array.from({ length: 3000 }, () => 'word').join(' ');
    const overContext = await client.chat.completions
      .create({ model: 'tiny', messages: [{ role: 'user', content: longPrompt }], max_tokens: 4, stream: true })
      .catch((error: unknown) => error);
    expect(overContext).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });

    const large = await postRaw('/v1/completions', JSON.stringify({ model: 'tiny', prompt: 'x'.repeat(100_000) }));
    expect(large.status).toBe(413);
    expect(large.body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' });

    const badTemperature = await postRaw('/v1/completions', JSON.stringify({ model: 'tiny', prompt: 'x', temperature: 'hot' }));
    expect(badTemperature.status).toBe(400);
    expect(badTemperature.body.error).toMatchObject({ type: 'invalid_request_error', param: 'temperature' });
    const twoChoices = await client.chat.completions.create({ model: 'tiny', messages, n: 2 }).catch((error: unknown) => error);
    expect(twoChoices).toMatchObject({ status: 400, param: 'n' });
    const noMessages = await postRaw('/v1/chat/completions', JSON.stringify({ model: 'tiny' }));
    expect(noMessages.body.error).toMatchObject({ param: 'messages' });
    const badRole = await postRaw('/v1/chat/completions', JSON.stringify({ model: 'tiny', messages: [{ role: 'robot', content: 'x' }] }));
    expect(badRole.body.error).toMatchObject({ param: 'messages.0.role' });
  });

  it('answers an empty prompt, no messages and token ids outside the vocabulary with a 400 naming the prompt', async () => {
    for (const prompt of ['', ['']]) {
      const empty = await postRaw('/v1/completions', JSON.stringify({ model: 'tiny', prompt, max_tokens: 2 }));
      expect(empty.status).toBe(400);
      expect(empty.body.error).toMatchObject({ type: 'invalid_request_error', param: 'prompt' });
    }
    const noMessages = await postRaw('/v1/chat/completions', JSON.stringify({ model: 'tiny', messages: [], max_tokens: 2 }));
    expect(noMessages.status).toBe(400);
    expect(noMessages.body.error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });

    const vocabSize = server.models[0]!.vocabSize!;
    expect(vocabSize).toBeGreaterThan(0);
    for (const prompt of [[1, vocabSize], [[vocabSize + 1000]], [2 ** 40]]) {
      const outside = await postRaw('/v1/completions', JSON.stringify({ model: 'tiny', prompt, max_tokens: 2 }));
      expect(outside.status, JSON.stringify(prompt)).toBe(400);
      expect(outside.body.error).toMatchObject({ type: 'invalid_request_error', param: 'prompt' });
      expect(outside.body.error.message).toContain(`token id ${prompt.flat()[prompt.flat().length - 1]}`);
      expect(outside.body.error.message).not.toMatch(/onnxruntime|Gather|indices/i);
    }
    const lastId = await client.completions.create({ model: 'tiny', prompt: [vocabSize - 1], max_tokens: 1, temperature: 0 });
    expect(lastId.usage!.completion_tokens).toBe(1);
  });

  it('answers /health while a long generation runs, and a client that disconnects mid-stream frees the worker', async () => {
    const before = (await health()).models.tiny!;
    const stream = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 2000, temperature: 0, stream: true });
    let received = 0;
    for await (const _chunk of stream) {
      if (++received === 1) {
        const during = await health();
        expect(during.status).toBe('ok');
        expect(during.models.tiny).toMatchObject({ state: 'ready', running: 1 });
      }
      if (received === 4) break; // closes the connection
    }
    await eventually(async () => {
      expect((await health()).models.tiny).toMatchObject({ running: 0, aborted: before.aborted + 1, completed: before.completed });
    });
    const next = await client.completions.create({ model: 'tiny', prompt: 'Next', max_tokens: 2, temperature: 0 });
    expect(next.usage!.completion_tokens).toBe(2);
  });

  it('runs concurrent requests together (continuous batching), each answered as it is alone', async () => {
    const prompts = ['Hello there', 'Once upon a time', 'Name a color', 'One two three four', 'Why', 'The sky is'];
    const expected: string[] = [];
    for (const prompt of prompts) expected.push((await plugin.generateText(prompt, { temperature: 0, maxNewTokens: 10 })).text);
    let peak = 0;
    const watching = setInterval(() => {
      void health().then((state) => {
        peak = Math.max(peak, state.models.tiny!.running);
      });
    }, 5);
    const answers = await Promise.all(
      prompts.map((prompt) => client.completions.create({ model: 'tiny', prompt, max_tokens: 10, temperature: 0 })),
    );
    clearInterval(watching);
    expect(answers.map((answer) => answer.choices[0]!.text)).toEqual(expected);
    expect(peak).toBeGreaterThan(1);
  });

  it('refuses with 429 and Retry-After when the queue is full', async () => {
    const q1 = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const running = await q1.completions.create({ model: 'tiny-q1', prompt: 'Long', max_tokens: 2000, temperature: 0, stream: true });
    const iterator = running[Symbol.asyncIterator]();
    await iterator.next();
    const waiting = new AbortController();
    const queued = q1.completions
      .create({ model: 'tiny-q1', prompt: 'Wait', max_tokens: 2 }, { signal: waiting.signal })
      .catch((error: unknown) => error);
    await eventually(async () => expect((await health()).models['tiny-q1']).toMatchObject({ running: 1, queued: 1 }));
    const refused = await postRaw('/v1/completions', JSON.stringify({ model: 'tiny-q1', prompt: 'More', max_tokens: 2 }));
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    // One request waits behind one that has run for a moment: seconds, not the queue's worst case.
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    waiting.abort();
    running.controller.abort();
    expect(await queued).toBeInstanceOf(Error);
    await eventually(async () => expect((await health()).models['tiny-q1']).toMatchObject({ running: 0, queued: 0 }));
  });

  it('refuses to start when a model cannot load, with the plugin error', async () => {
    const failed = startServer({ models: [join(root, 'missing')], port: 0, roots: [packageDir], conditions });
    await expect(failed).rejects.toMatchObject({ code: expect.stringMatching(/^PIO_/) });
  });

  it('with an api key: 401 without it or with another, 200 with it; /health stays open', async () => {
    const wrong = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'guess', maxRetries: 0 });
    const denied = await wrong.models.list().catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(denied).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect((await fetch(`${keyed.url}/v1/models`)).status).toBe(401);
    const right = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sesame', maxRetries: 0 });
    expect((await right.models.list()).data).toEqual([]);
    expect((await health(keyed)).status).toBe('ok');
  });
});
