import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConfigError, ContextLengthError, type GenerationDelta, readManifest } from '@pio/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createRemotePlugin,
  RemoteAuthError,
  RemoteHttpError,
  RemoteModelNotFoundError,
  type RemotePlugin,
  RemoteProtocolError,
  RemoteTimeoutError,
  RemoteUnreachableError,
  RemoteUnsupportedError,
} from '../src/index.js';

// A tiny OpenAI-protocol stub of the test's own: each test sets `handle`.
type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;
let handle: Handler;
let server: Server;
let baseUrl: string;
const requests: { path: string; body: Record<string, unknown>; authorization?: string }[] = [];

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { metadata } = readManifest(JSON.parse(readFileSync(`${packageDir}/package.json`, 'utf8')), {
  packageDir,
  packageJsonPath: `${packageDir}/package.json`,
  fallbackName: 'remote',
});

const models = (response: ServerResponse) =>
  json(response, 200, { object: 'list', data: [{ id: 'tiny', max_model_len: 512 }] });
function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
function sse(response: ServerResponse, events: string[]) {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of events) response.write(`data: ${event}\n\n`);
  response.end();
}
const chunk = (text: string, finish: string | null = null) =>
  JSON.stringify({ object: 'text_completion', choices: [{ index: 0, text, finish_reason: finish }] });
const usage = JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (part: Buffer) => {
      body += part.toString();
    });
    request.on('end', () => {
      requests.push({
        path: request.url ?? '',
        body: body ? (JSON.parse(body) as Record<string, unknown>) : {},
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      });
      if (request.url === '/v1/models' && request.method === 'GET') return models(response);
      if (!request.url?.startsWith('/v1/')) {
        return json(response, 404, {
          error: { message: `No route ${request.method} ${request.url}.`, code: 'not_found' },
        });
      }
      handle(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
  handle = (_request, _body, response) => sse(response, [chunk('Hi'), chunk(' there', 'stop'), usage, '[DONE]']);
});

async function open(extra: Record<string, unknown> = {}): Promise<RemotePlugin> {
  const plugin = createRemotePlugin({ metadata, packageDir }) as RemotePlugin;
  await plugin.initialize({ config: { baseUrl, model: 'tiny', timeoutMs: 2_000, maxRetryDelayMs: 2_000, ...extra } });
  return plugin;
}
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('the remote plugin against a stub server', () => {
  it('streams text deltas, sends the sampling fields and reads usage and the context length', async () => {
    const plugin = await open();
    expect(plugin.remoteConfig?.maxContextLength).toBe(512);
    const deltas: GenerationDelta[] = [];
    for await (const delta of plugin.generate('Hello', {
      maxNewTokens: 2,
      temperature: 0,
      topK: 5,
      seed: 7,
      stop: ['\n'],
    })) {
      deltas.push(delta);
    }
    expect(deltas.map((delta) => [delta.type, delta.text])).toEqual([
      ['token', 'Hi'],
      ['token', ' there'],
      ['finish', ''],
    ]);
    const finish = deltas.at(-1);
    expect(
      finish?.type === 'finish' && [finish.finishReason, finish.usage.promptTokens, finish.usage.completionTokens],
    ).toEqual(['stop', 3, 2]);
    expect(requests.at(-1)).toMatchObject({
      path: '/v1/completions',
      body: {
        model: 'tiny',
        prompt: 'Hello',
        max_tokens: 2,
        temperature: 0,
        top_k: 5,
        seed: 7,
        stop: ['\n'],
        stream: true,
        stream_options: { include_usage: true },
      },
    });
    const result = await plugin.generateText({ inputIds: [1, 2] });
    expect([result.text, result.promptIds, result.ids]).toEqual(['Hi there', [1, 2], []]);
    expect(requests.at(-1)?.body.prompt).toEqual([1, 2]);
  });

  it('assembles streamed tool calls of a chat into tool-call deltas', async () => {
    handle = (_request, _body, response) =>
      sse(response, [
        JSON.stringify({
          choices: [
            {
              index: 0,
              delta: {
                role: 'assistant',
                tool_calls: [
                  { index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":' } },
                ],
              },
              finish_reason: null,
            },
          ],
        }),
        JSON.stringify({
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
              finish_reason: 'tool_calls',
            },
          ],
        }),
        '[DONE]',
      ]);
    const plugin = await open();
    const deltas: GenerationDelta[] = [];
    const tools = [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object' } } }];
    for await (const delta of plugin.chat([{ role: 'user', content: 'Weather?' }], { tools, toolChoice: 'required' }))
      deltas.push(delta);
    expect(deltas[0]).toEqual({
      type: 'tool-call',
      text: '',
      toolCall: { id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
    });
    expect(deltas[1]?.type === 'finish' && deltas[1].finishReason).toBe('tool-calls');
    expect(requests.at(-1)).toMatchObject({ path: '/v1/chat/completions', body: { tools, tool_choice: 'required' } });
  });

  it('retries 429 and 503, honouring Retry-After in seconds and as an HTTP date', async () => {
    let calls = 0;
    handle = (_request, _body, response) => {
      calls++;
      if (calls === 1) return json(response, 429, { error: { message: 'slow down' } }, { 'retry-after': '0.2' });
      if (calls === 2)
        return json(
          response,
          503,
          { error: { message: 'busy' } },
          { 'retry-after': new Date(Date.now() + 1000).toUTCString() },
        );
      sse(response, [chunk('ok', 'stop'), '[DONE]']);
    };
    const plugin = await open();
    const started = performance.now();
    expect((await plugin.generateText('x')).text).toBe('ok');
    expect(calls).toBe(3);
    // 0.2 s, then up to 1 s (HTTP dates have whole seconds).
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('gives up with a RemoteHttpError after maxRetries, or at once when Retry-After is over the cap', async () => {
    handle = (_request, _body, response) =>
      json(response, 503, { error: { message: 'overloaded' } }, { 'retry-after': '0' });
    const retried = await failure((await open({ maxRetries: 2 })).generateText('x'));
    expect(RemoteHttpError.isInstance(retried) && [retried.status, retried.message]).toEqual([
      503,
      expect.stringContaining('answered HTTP 503 after 3 attempts: overloaded'),
    ]);
    requests.length = 0;
    handle = (_request, _body, response) =>
      json(response, 429, { error: { message: 'quota' } }, { 'retry-after': '60' });
    const capped = await failure((await open()).generateText('x'));
    expect(RemoteHttpError.isInstance(capped) && capped.message).toContain('more than maxRetryDelayMs');
    expect(requests.filter((request) => request.path === '/v1/completions')).toHaveLength(1);
  });

  it('maps 401, a 404 model and a 400 about the context to typed errors', async () => {
    const plugin = await open();
    handle = (_request, _body, response) => json(response, 401, { error: { message: 'Invalid API key' } });
    const auth = await failure(plugin.generateText('x'));
    expect(RemoteAuthError.isInstance(auth) && auth.message).toContain(
      'refused the request (HTTP 401, unauthorized): Invalid API key',
    );
    handle = (_request, _body, response) =>
      json(response, 404, { error: { message: 'The model `tiny` does not exist.', code: 'model_not_found' } });
    expect(RemoteModelNotFoundError.isInstance(await failure(plugin.generateText('x')))).toBe(true);
    handle = (_request, _body, response) =>
      json(response, 400, {
        error: {
          message:
            "This model's maximum context length is 512 tokens. However, you requested 600 tokens (500 in the messages, 100 in the completion).",
        },
      });
    const context = await failure(plugin.generateText('x'));
    expect(
      ContextLengthError.isInstance(context) && [context.promptTokens, context.maxNewTokens, context.contextLength],
    ).toEqual([500, 100, 512]);
  });

  it('refuses malformed server-sent events and a stream without an end', async () => {
    const plugin = await open();
    handle = (_request, _body, response) => sse(response, [chunk('a'), '{not json', '[DONE]']);
    const malformed = await failure(plugin.generateText('x'));
    expect(RemoteProtocolError.isInstance(malformed) && malformed.message).toContain('a server-sent event is not JSON');
    handle = (_request, _body, response) => sse(response, [chunk('a')]);
    const cut = await failure(plugin.generateText('x'));
    expect(RemoteProtocolError.isInstance(cut) && cut.message).toContain(
      'ended before any choice gave a finish_reason',
    );
  });

  it('times out a silent server, before the headers and in the middle of a stream', async () => {
    const plugin = await open({ timeoutMs: 200 });
    handle = () => undefined; // never answers
    const silent = await failure(plugin.generateText('x'));
    expect(RemoteTimeoutError.isInstance(silent) && silent.message).toContain('sent no answer within 200 ms');
    handle = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(`data: ${chunk('a')}\n\n`);
    };
    const stalled = await failure(plugin.generateText('x'));
    expect(RemoteTimeoutError.isInstance(stalled) && stalled.message).toContain('sent nothing more within 200 ms');
  });

  it('ends with finishReason abort when the caller aborts, before or during the stream', async () => {
    const plugin = await open();
    expect((await plugin.generateText('x', { signal: AbortSignal.abort() })).finishReason).toBe('abort');
    const controller = new AbortController();
    handle = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(`data: ${chunk('a')}\n\n`);
    };
    const deltas: GenerationDelta[] = [];
    for await (const delta of plugin.generate('x', { signal: controller.signal })) {
      deltas.push(delta);
      if (delta.type === 'token') controller.abort();
    }
    expect(deltas.map((delta) => (delta.type === 'finish' ? delta.finishReason : delta.text))).toEqual(['a', 'abort']);
  });

  it('says it cannot reach a server that is down, and names an unset apiKeyEnv', async () => {
    // A port that was free a moment ago: nobody listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = createRemotePlugin({ metadata, packageDir }) as RemotePlugin;
    const error = await failure(down.initialize({ config: { baseUrl: `http://127.0.0.1:${port}/v1`, model: 'tiny' } }));
    expect(RemoteUnreachableError.isInstance(error) && error.message).toContain(
      `Cannot reach http://127.0.0.1:${port}/v1: connection refused (connect ECONNREFUSED`,
    );
    const keyless = await failure(open({ apiKeyEnv: 'PIO_REMOTE_TEST_UNSET_KEY' }));
    expect(ConfigError.isInstance(keyless) && keyless.message).toContain('apiKeyEnv = "PIO_REMOTE_TEST_UNSET_KEY"');
    // A baseUrl without /v1: pio serve answers 404 "No route", which is not about the model.
    const noRoute = await failure(open({ baseUrl: baseUrl.replace(/\/v1$/, '') }));
    expect(RemoteHttpError.isInstance(noRoute) && [noRoute.status, noRoute.message]).toEqual([
      404,
      expect.stringContaining('/v1 included'),
    ]);
    const missing = await failure(open({ model: 'other' }));
    expect(RemoteModelNotFoundError.isInstance(missing) && missing.message).toContain(
      'does not serve the model "other"; it serves: tiny',
    );
  });

  it('sends the API key and headers, and refuses tokenize and infer with a typed error', async () => {
    process.env.PIO_REMOTE_TEST_KEY = 'sesame';
    const plugin = await open({ apiKeyEnv: 'PIO_REMOTE_TEST_KEY', headers: { 'x-route': 'a' } });
    expect(requests.at(-1)?.authorization).toBe('Bearer sesame');
    expect(() => plugin.tokenize('x')).toThrow(/A remote model cannot tokenize/);
    expect(RemoteUnsupportedError.isInstance(await failure(plugin.infer()))).toBe(true);
    expect(plugin.detokenize([])).toBe('');
    delete process.env.PIO_REMOTE_TEST_KEY;
  });
});
