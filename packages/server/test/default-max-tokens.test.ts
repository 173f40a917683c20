import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRandomCheckpoint } from '@pio/test-kit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PioServer, startServer } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const conditions = ['@pio/source', 'import', 'default'];

let root: string;
let server: PioServer;
let client: OpenAI;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-server-context-'));
  const { dir } = await writeRandomCheckpoint(join(root, 'short'), {
    arch: 'llama',
    tokenizer: 'llama3',
    seed: 8,
    config: { max_position_embeddings: 256 },
  });
  server = await startServer({
    models: [dir],
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

describe('requests without max_tokens on a 256-token context', () => {
  it('serves the model with its 256-token context', () => {
    expect(server.models[0]!.contextLength).toBe(256);
  });

  it('completes a prompt: the default length fits what is left of the context', async () => {
    const completion = await client.completions.create({ model: 'short', prompt: 'Hello there', temperature: 0 });
    const usage = completion.usage!;
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBeLessThanOrEqual(256);
  });

  it('answers a chat, streamed, with no max_tokens', async () => {
    const stream = await client.chat.completions.create({
      model: 'short',
      messages: [{ role: 'user', content: 'Name three colors.' }],
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage!.total_tokens).toBeLessThanOrEqual(256);
  });

  it('still refuses a max_tokens the context cannot hold', async () => {
    const refused = await client.completions
      .create({ model: 'short', prompt: 'Hi', max_tokens: 300 })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'prompt' });
  });
});
