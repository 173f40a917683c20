import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { startServe } from '../testing/start-serve.js';

let root: string;
let checkpoint: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-serve-'));
  checkpoint = (await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 8 })).dir;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pio serve', () => {
  it('prints the URL and models, answers /health and /v1/models, and stops on SIGTERM', async () => {
    const { url, io, exit } = await startServe(root, [
      checkpoint,
      '--port',
      '0',
      '--name',
      'tiny',
      '--cache-dir',
      join(root, 'cache'),
    ]);
    expect(io.stdout).toContain('model "tiny"');
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual(['tiny']);
    process.emit('SIGTERM');
    expect(await exit).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

describe('pio serve refuses bad flags and a busy port in one typed line', () => {
  it('refuses --port 99999 and --port -1 before looking at the checkpoint', async () => {
    for (const port of ['99999', '-1']) {
      const io = captureIo(root);
      // The checkpoint does not exist: the flag must be refused first.
      expect(await runCli(['serve', join(root, 'missing'), '--port', port], io)).toBe(1);
      expect(io.stderr).toContain(`pio: --port ${port} is not a TCP port.`);
      expect(io.stderr).toContain('0 to 65535');
      expect(io.stderr).not.toContain('unexpected error');
      expect(io.stderr).not.toContain('loading');
    }
  });

  it('refuses --port abc and --request-timeout 0', async () => {
    const abc = captureIo(root);
    expect(await runCli(['serve', checkpoint, '--port', 'abc'], abc)).not.toBe(0);
    expect(abc.stderr).toContain('"abc" is not an integer');
    expect(abc.stderr).not.toContain('unexpected error');
    const zero = captureIo(root);
    expect(await runCli(['serve', checkpoint, '--request-timeout', '0'], zero)).toBe(1);
    expect(zero.stderr).toContain('--request-timeout 0 is out of range');
  });

  it('says the port is in use, with a hint, instead of "unexpected error"', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const io = captureIo(root);
      const code = await runCli(['serve', checkpoint, '--port', String(port), '--cache-dir', join(root, 'cache')], io);
      expect(code).toBe(1);
      expect(io.stderr).toContain(`pio: Cannot listen on 127.0.0.1:${port}: the port is already in use.`);
      expect(io.stderr).toContain('--port');
      expect(io.stderr).not.toContain('unexpected error');
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
