import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PioServer, startServer } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const conditions = ['@pio/source', 'import', 'default'];

let root: string;
let slow: PioServer;
let capped: PioServer;
let slowWithModel: PioServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-server-limits-'));
  const { dir } = await writeRandomCheckpoint(join(root, 'tiny'), { arch: 'llama', tokenizer: 'llama3', seed: 8 });
  [slow, capped, slowWithModel] = await Promise.all([
    startServer({ models: [], port: 0, requestTimeoutMs: 300 }),
    startServer({ models: [], port: 0, maxConnections: 2, keepAliveTimeoutMs: 60_000 }),
    startServer({
      models: [dir],
      port: 0,
      requestTimeoutMs: 300,
      cacheDir: join(root, 'cache'),
      roots: [packageDir],
      conditions,
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([slow?.close(), capped?.close(), slowWithModel?.close()]);
  await rm(root, { recursive: true, force: true });
});

/** A raw TCP client to 127.0.0.1 that records what it receives and when the server closes it. */
async function rawClient(port: number): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received, closed: () => closed };
}

/**
 * Sends `bytes` one at a time with a pause after each, until the server
 * closes the connection or all are sent. The loop is bounded by the byte
 * count, so the test ends either way; it returns how many were sent.
 */
async function trickle(client: Awaited<ReturnType<typeof rawClient>>, bytes: string, pauseMs: number): Promise<number> {
  let sent = 0;
  for (const byte of bytes) {
    if (client.closed()) break;
    client.socket.write(byte);
    sent++;
    await sleep(pauseMs);
  }
  return sent;
}

const headers = (length: number) =>
  `POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('server resource limits', () => {
  it('cuts off a client that sends its body one byte at a time, long before it is done', async () => {
    const client = await rawClient(slow.port);
    client.socket.write(headers(400));
    // 400 bytes at 50 ms each would take 20 s, 66 times the 300 ms request timeout.
    const sent = await trickle(client, `{"model":"m","prompt":"${'x'.repeat(400)}`.slice(0, 400), 50);
    expect(client.closed()).toBe(true);
    expect(sent).toBeLessThan(400);
    expect(client.received()).toMatch(/^(HTTP\/1\.1 408|$)/);
  });

  it('cuts off a client that sends its headers one byte at a time, or nothing at all', async () => {
    const trickling = await rawClient(slow.port);
    const text = `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(400)}\r\n\r\n`;
    const sent = await trickle(trickling, text, 50);
    expect(trickling.closed()).toBe(true);
    expect(sent).toBeLessThan(text.length);

    const silent = await rawClient(slow.port);
    for (let i = 0; i < 200 && !silent.closed(); i++) await sleep(50);
    expect(silent.closed()).toBe(true);
  });

  it('answers a client that sends in time', async () => {
    const response = await fetch(`${slow.url}/health`);
    expect(await response.json()).toEqual({ status: 'ok', models: {} });
  });

  it('does not cut off a response: a request that waits in the queue longer than the timeout still gets its answer', async () => {
    const controller = new AbortController();
    const long = await fetch(`${slowWithModel.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny', prompt: 'Long', max_tokens: 2000, temperature: 0, stream: true }),
      signal: controller.signal,
    });
    const reader = long.body!.getReader();
    await reader.read();
    const waiting = fetch(`${slowWithModel.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny', prompt: 'Short', max_tokens: 2, temperature: 0 }),
    });
    // Keep the second request waiting (and the stream running) for several request timeouts.
    await sleep(1_200);
    const chunk = await reader.read();
    expect(chunk.done).toBe(false);
    controller.abort();
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(2);
  });

  it('closes connections over maxConnections at once, and accepts again when one ends', async () => {
    const held = [await rawClient(capped.port), await rawClient(capped.port)];
    for (const client of held) {
      client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      for (let i = 0; i < 200 && !client.received().includes('"status"'); i++) await sleep(10);
      expect(client.received()).toContain('HTTP/1.1 200');
    }
    const extra = await rawClient(capped.port);
    extra.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    for (let i = 0; i < 200 && !extra.closed(); i++) await sleep(10);
    expect(extra.closed()).toBe(true);
    expect(extra.received()).toBe('');

    held[0]!.socket.destroy();
    for (let i = 0; i < 200 && !held[0]!.closed(); i++) await sleep(10);
    let status = 0;
    // The server learns of the closed socket a little after the client: retry a few times.
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await fetch(`${capped.url}/health`, { headers: { connection: 'close' } }).then(
        (response) => response.status,
        () => 0,
      );
      if (status !== 200) await sleep(20);
    }
    expect(status).toBe(200);
    held[1]!.socket.destroy();
  });

  it('says in one typed line that the port is in use, before loading any model', async () => {
    // The checkpoint does not exist: had the server loaded it first, that would be the error.
    const failed = await startServer({ models: ['/nonexistent/checkpoint'], port: slow.port }).catch(
      (error: unknown) => error,
    );
    expect(failed).toMatchObject({ name: 'ListenError', code: 'PIO_LISTEN', systemCode: 'EADDRINUSE' });
    expect((failed as Error).message).toContain(`127.0.0.1:${slow.port}: the port is already in use`);
    expect((failed as { hint: string }).hint).toContain('--port');
  });

  it('refuses a port or limit that is not a whole number in range, before loading any model', async () => {
    for (const port of [99_999, -1, 1.5, Number.NaN]) {
      const failed = await startServer({ models: ['/nonexistent/checkpoint'], port }).catch((error: unknown) => error);
      expect(failed, String(port)).toMatchObject({ code: 'PIO_USAGE', hint: expect.stringContaining('0 to 65535') });
    }
    const failed = await startServer({ models: [], port: 0, requestTimeoutMs: 0 }).catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: 'PIO_USAGE', message: expect.stringContaining('requestTimeoutMs') });
  });
});
