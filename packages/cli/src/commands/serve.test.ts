import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureIo } from '../testing/capture-io.js';
import { runCli } from '../run-cli.js';

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
    const io = captureIo(root);
    const exit = runCli(['serve', checkpoint, '--port', '0', '--name', 'tiny', '--cache-dir', join(root, 'cache')], io);
    const url = await vi.waitFor(
      () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(io.stdout);
        if (!match) throw new Error(`not listening yet: ${io.stderr}`);
        return match[1]!;
      },
      { timeout: 60_000, interval: 50 },
    );
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
