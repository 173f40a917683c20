import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ChatMessage,
  ContextLengthError,
  type GenerationDelta,
  isTextModelPlugin,
  PluginManager,
  type TextModelPlugin,
} from '@pio/core';
import { type PioServer, startServer } from '@pio/server';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemotePlugin, RemoteAuthError, remoteTokenId } from '../src/index.js';

// The real thing: `pio serve` on 127.0.0.1 over a random test-kit checkpoint,
// the remote plugin talking to it, and the local plugin on the same weights.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const conditions = ['@pio/source', 'import', 'default'];
const runtime = { maxContextLength: 128 };
const greedy = { temperature: 0, maxNewTokens: 12 };
const messages: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Name three colors.' },
];

let root: string;
let server: PioServer;
let keyed: PioServer;
let fronting: PioServer;
let descriptor: string;
const managers: PluginManager[] = [];
let local: TextModelPlugin;
let remote: TextModelPlugin;

async function openRemote(checkpoint: string): Promise<TextModelPlugin> {
  const manager = new PluginManager({ conditions });
  managers.push(manager);
  manager.register({
    packageJson: JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>,
    packageDir,
    factory: createRemotePlugin,
  });
  const record = await manager.findForCheckpoint(checkpoint);
  expect(record.metadata.name).toBe('@pio/model-remote');
  const plugin = await manager.activate(record.metadata.name, { checkpoint });
  if (!isTextModelPlugin(plugin)) throw new Error('not a text plugin');
  return plugin;
}

async function text(
  deltas: AsyncIterable<GenerationDelta>,
): Promise<{ text: string; last: GenerationDelta | undefined; tokens: number }> {
  let joined = '';
  let last: GenerationDelta | undefined;
  let tokens = 0;
  for await (const delta of deltas) {
    joined += delta.text;
    last = delta;
    if (delta.type === 'token') tokens++;
  }
  return { text: joined, last, tokens };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-remote-serve-'));
  const { dir } = await writeRandomCheckpoint(join(root, 'tiny'), { arch: 'llama', tokenizer: 'llama3', seed: 8 });
  const cacheDir = join(root, 'cache');
  const manager = new PluginManager({ roots: [packageDir], conditions });
  managers.push(manager);
  await manager.discover();
  const activated = await manager.activate((await manager.findForCheckpoint(dir)).metadata.name, {
    checkpoint: dir,
    cacheDir,
    runtime,
  });
  if (!isTextModelPlugin(activated)) throw new Error('not a text plugin');
  local = activated;
  [server, keyed] = await Promise.all([
    startServer({
      models: [{ checkpoint: dir, id: 'tiny' }],
      port: 0,
      cacheDir,
      runtime,
      roots: [packageDir],
      conditions,
    }),
    startServer({ models: [], port: 0, apiKey: 'sesame' }),
  ]);
  descriptor = join(root, 'cluster.remote.json');
  await writeFile(descriptor, JSON.stringify({ baseUrl: `${server.url}/v1`, model: 'tiny', timeoutMs: 20_000 }));
  remote = await openRemote(descriptor);
  // A second pio serve whose one model is the descriptor: PIO's API fronting another server.
  // Its worker discovers @pio/model-remote from a folder whose node_modules links this package.
  const plugins = join(root, 'front', 'node_modules', '@pio');
  await mkdir(plugins, { recursive: true });
  await symlink(packageDir, join(plugins, 'model-remote'), 'dir');
  fronting = await startServer({
    models: [{ checkpoint: descriptor, id: 'front' }],
    port: 0,
    roots: [join(root, 'front')],
    conditions,
  });
});

afterAll(async () => {
  await Promise.all([
    fronting?.close(),
    server?.close(),
    keyed?.close(),
    ...managers.map((manager) => manager[Symbol.asyncDispose]()),
  ]);
  await rm(root, { recursive: true, force: true });
});

describe('the remote plugin against pio serve', () => {
  it('completes a prompt greedily exactly as the local plugin does, with the same token counts', async () => {
    const expected = await local.generateText('Hello there', greedy);
    const result = await remote.generateText('Hello there', greedy);
    expect(result.text).toBe(expected.text);
    expect(result.finishReason).toBe(expected.finishReason);
    expect([result.usage.promptTokens, result.usage.completionTokens]).toEqual([
      expected.usage.promptTokens,
      expected.usage.completionTokens,
    ]);
    // Token ids as the prompt (the server's tokenizer is the local one here).
    expect((await remote.generateText({ inputIds: expected.promptIds }, greedy)).text).toBe(expected.text);
  });

  it('streams text deltas (token id -1) that join to the local text, then one finish', async () => {
    const expected = await text(local.generate!('Once upon a time', greedy));
    const streamed = await text(remote.generate!('Once upon a time', greedy));
    expect(streamed.text).toBe(expected.text);
    expect(streamed.last?.type).toBe('finish');
    expect(streamed.tokens).toBeGreaterThan(1);
    for await (const delta of remote.generate!('Once', { ...greedy, maxNewTokens: 2 })) {
      if (delta.type === 'token') expect(delta.tokenId).toBe(remoteTokenId);
    }
  });

  it('chats greedily exactly as the local plugin does (the server renders the template)', async () => {
    const expected = await text(local.chat!(messages, greedy));
    expect((await text(remote.chat!(messages, greedy))).text).toBe(expected.text);
  });

  it('turns the server\'s "prompt too long" into a ContextLengthError with its numbers', async () => {
    const error = await remote.generateText('Hello', { maxNewTokens: 500 }).catch((thrown: unknown) => thrown);
    expect(ContextLengthError.isInstance(error)).toBe(true);
    expect((error as ContextLengthError).contextLength).toBe(128);
    expect((error as ContextLengthError).maxNewTokens).toBe(500);
  });

  it('fronted by a second pio serve, answers OpenAI clients as the local plugin does', async () => {
    const expected = await local.generateText('Hello there', greedy);
    const response = await fetch(`${fronting.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'front', prompt: 'Hello there', max_tokens: greedy.maxNewTokens, temperature: 0 }),
    });
    const body = (await response.json()) as { choices: { text: string }[]; usage: { completion_tokens: number } };
    expect(body.choices[0]?.text).toBe(expected.text);
    expect(body.usage.completion_tokens).toBe(expected.usage.completionTokens);
  });

  it('refuses a server that wants a key the descriptor does not give, with a RemoteAuthError', async () => {
    const file = join(root, 'keyed.remote.json');
    await writeFile(file, JSON.stringify({ baseUrl: `${keyed.url}/v1`, model: 'tiny' }));
    const error = await openRemote(file).catch((thrown: unknown) => thrown);
    expect(RemoteAuthError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('The descriptor names no API key');
  });
});
