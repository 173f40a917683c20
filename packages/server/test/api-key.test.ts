import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRandomCheckpoint } from '@pio/test-kit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PioServer, startServer } from '../src/index.js';
import { rawRequest } from './raw-http.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const conditions = ['@pio/source', 'import', 'default'];
const key = 'sesame';
const completion = JSON.stringify({ model: 'tiny', prompt: 'Hi', max_tokens: 3 });
const chat = JSON.stringify({
  model: 'tiny',
  messages: [{ role: 'user', content: 'Hi' }],
  max_tokens: 3,
  stream: true,
});
const modelsBody = (id: string) => expect.not.stringContaining(id);

let root: string;
let server: PioServer;
let open: PioServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-server-key-'));
  const { dir } = await writeRandomCheckpoint(join(root, 'tiny'), { arch: 'llama', tokenizer: 'llama3', seed: 8 });
  const common = { models: [dir], port: 0, cacheDir: join(root, 'cache'), roots: [packageDir], conditions };
  server = await startServer({ ...common, apiKey: key });
  open = await startServer(common);
});

afterAll(async () => {
  await Promise.all([server?.close(), open?.close()]);
  await rm(root, { recursive: true, force: true });
});

/** Spellings of a route that the router may decode to it, or that match nothing. */
function spellings(path: string): string[] {
  const rest = path.slice('/v1'.length);
  return [
    path,
    `/v%31${rest}`,
    `/%761${rest}`,
    `/%76%31${rest}`,
    `/%56%31${rest}`,
    `/v1/${encodeURIComponent(rest.slice(1)).replace(/^./, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
    `//v1${rest}`,
    `/v1/${rest}`,
    `/V1${rest}`,
    `/v1${rest.toUpperCase()}`,
    `${path}/`,
    `${path}//`,
    `${path}?x=1`,
    `${path}/?x=1`,
    `${path}#frag`,
    `/v1%2F${rest.slice(1)}`,
    `/./v1${rest}`,
    `/x/../v1${rest}`,
    `/health/../v1${rest}`,
    `/%2e/v1${rest}`,
    `/v1;${rest}`,
  ];
}

describe('an api key is checked on the route the router matched', () => {
  it('refuses every spelling of GET /v1/models and /v1/models/tiny without the key (401 or 404, never the list)', async () => {
    for (const path of [...spellings('/v1/models'), ...spellings('/v1/models/tiny')]) {
      const response = await rawRequest(server.port, 'GET', path);
      expect([401, 404], `GET ${path}`).toContain(response.status);
      expect(response.body, `GET ${path}`).toEqual(modelsBody('"tiny"'));
      const wrong = await rawRequest(server.port, 'GET', path, { headers: { authorization: 'Bearer guess' } });
      expect([401, 404], `GET ${path} with another key`).toContain(wrong.status);
    }
  });

  it('refuses every spelling of POST /v1/completions without the key, before it reads the body', async () => {
    for (const path of spellings('/v1/completions')) {
      const response = await rawRequest(server.port, 'POST', path, { body: completion });
      expect([401, 404], `POST ${path}`).toContain(response.status);
      expect(JSON.parse(response.body).error.code, `POST ${path}`).toMatch(/^(invalid_api_key|not_found)$/);
    }
    const notJson = await rawRequest(server.port, 'POST', '/v%31/completions', { body: '{"model": ' });
    expect(notJson.status).toBe(401);
  });

  it('refuses every spelling of a streaming POST /v1/chat/completions without the key (no event stream)', async () => {
    for (const path of spellings('/v1/chat/completions')) {
      const response = await rawRequest(server.port, 'POST', path, { body: chat });
      expect([401, 404], `POST ${path}`).toContain(response.status);
      expect(response.headers['content-type'], `POST ${path}`).not.toContain('text/event-stream');
    }
  });

  it('answers the decoded spellings of a route with the key, as the route itself', async () => {
    const auth = { authorization: `Bearer ${key}` };
    for (const path of ['/v1/models', '/v%31/models', '/%761/models']) {
      const response = await rawRequest(server.port, 'GET', path, { headers: auth });
      expect(response.status, path).toBe(200);
      expect(JSON.parse(response.body).data.map((model: { id: string }) => model.id)).toEqual(['tiny']);
    }
    const streamed = await rawRequest(server.port, 'POST', '/%761/chat/completions', { body: chat, headers: auth });
    expect(streamed.status).toBe(200);
    expect(streamed.headers['content-type']).toContain('text/event-stream');
    expect(streamed.body.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('with the openai client: 401 without the key or with another, streamed chat with it', async () => {
    for (const apiKey of ['guess', '']) {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
      const denied = await client.chat.completions
        .create({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3, stream: true })
        .catch((error: unknown) => error);
      expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(denied).toMatchObject({ status: 401, code: 'invalid_api_key' });
    }
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 3,
      stream: true,
    });
    let chunks = 0;
    for await (const _chunk of stream) chunks++;
    expect(chunks).toBeGreaterThan(1);
  });

  it('answers unknown paths 401 without the key (nothing told apart) and 404 with it', async () => {
    for (const path of ['/', '/v2/models', '/admin', '/v1', '/v1/', '/v1/nothing', '/%zz', '/health/x']) {
      const without = await rawRequest(server.port, 'GET', path);
      expect([400, 401], `GET ${path}`).toContain(without.status);
      const withKey = await rawRequest(server.port, 'GET', path, { headers: { authorization: `Bearer ${key}` } });
      expect([400, 404], `GET ${path} with the key`).toContain(withKey.status);
    }
    expect((await rawRequest(server.port, 'GET', '/v2/models')).status).toBe(401);
    expect(
      (await rawRequest(server.port, 'GET', '/v2/models', { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(404);
  });

  it('keeps /health open for probes with just its status; model ids and counters need the key', async () => {
    for (const path of ['/health', '/%68ealth', '/health?verbose=1']) {
      const probe = await rawRequest(server.port, 'GET', path);
      expect(probe.status, path).toBe(200);
      expect(JSON.parse(probe.body), path).toEqual({ status: 'ok' });
    }
    const wrong = await rawRequest(server.port, 'GET', '/health', { headers: { authorization: 'Bearer guess' } });
    expect(JSON.parse(wrong.body)).toEqual({ status: 'ok' });
    const detailed = await rawRequest(server.port, 'GET', '/health', { headers: { authorization: `Bearer ${key}` } });
    expect(JSON.parse(detailed.body)).toMatchObject({ status: 'ok', models: { tiny: { state: 'ready' } } });
    expect((await rawRequest(server.port, 'HEAD', '/health')).status).toBe(200);
  });

  it('without an api key everything is open, /health with its counters', async () => {
    expect((await rawRequest(open.port, 'GET', '/v%31/models')).status).toBe(200);
    expect(JSON.parse((await rawRequest(open.port, 'GET', '/health')).body)).toMatchObject({
      models: { tiny: { state: 'ready' } },
    });
    expect((await rawRequest(open.port, 'GET', '/v2/models')).status).toBe(404);
  });
});
