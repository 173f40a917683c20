import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HubTestServer, startHubTestServer } from '@pio/hub/testing';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';

let root: string;
let hub: HubTestServer;
const commit = 'c0ffee'.padEnd(40, '0');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-pull-'));
  await writeRandomCheckpoint(join(root, 'hub', 'tiny'), { arch: 'llama', tokenizer: 'gpt2', seed: 5 });
  hub = await startHubTestServer({
    repos: { 'test-org/tiny-llama': { revisions: { main: { commit, dir: join(root, 'hub', 'tiny') } } } },
  });
});
afterAll(async () => {
  await hub?.close();
  await rm(root, { recursive: true, force: true });
});

describe('pio pull', () => {
  it('pulls a model from the hub, then pio run and pio info accept its repo id', async () => {
    const cacheDir = join(root, 'cache');
    const pull = captureIo(root);
    const code = await runCli(['pull', 'test-org/tiny-llama', '--endpoint', hub.endpoint, '--cache-dir', cacheDir, '--json'], pull);
    expect(pull.stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(pull.stdout) as { dir: string; commit: string; files: { path: string }[] };
    expect(result.commit).toBe(commit);
    expect(result.dir).toBe(join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', commit));
    expect(result.files.map((file) => file.path)).toContain('model.safetensors');

    const run = captureIo(root);
    const args = ['run', 'test-org/tiny-llama', 'Hello', '-n', '2', '--temperature', '0', '--json', '--cache-dir', cacheDir];
    expect(await runCli(args, run)).toBe(0);
    expect((JSON.parse(run.stdout) as { ids: number[] }).ids).toHaveLength(2);

    vi.stubEnv('PIO_CACHE_DIR', cacheDir);
    try {
      const info = captureIo(root);
      expect(await runCli(['info', 'test-org/tiny-llama', '--json'], info)).toBe(0);
      expect((JSON.parse(info.stdout) as { checkpoint: string }).checkpoint).toBe(result.dir);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('draws cli-progress bars when stderr is a terminal', async () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    let drawn = '';
    terminal.on('data', (chunk: Buffer) => {
      drawn += chunk.toString();
    });
    const io = { ...captureIo(root), errStream: terminal };
    const args = ['pull', 'test-org/tiny-llama', '--endpoint', hub.endpoint, '--cache-dir', join(root, 'cache-tty')];
    expect(await runCli(args, io)).toBe(0);
    expect(drawn).toContain('test-org/tiny-llama (5 files)');
    expect(io.stderr).not.toContain('[5/5]');
  });

  it('prints a line per file without a terminal, the folder on stdout, and a hint for models not pulled', async () => {
    const cacheDir = join(root, 'cache-lines');
    const pull = captureIo(root);
    expect(await runCli(['pull', 'test-org/tiny-llama', '--endpoint', hub.endpoint, '--cache-dir', cacheDir], pull)).toBe(0);
    expect(pull.stdout.trim()).toBe(join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', commit));
    expect(pull.stderr).toMatch(/^Pulling test-org\/tiny-llama: 5 files/);
    expect(pull.stderr).toMatch(/\[5\/5\] /);
    expect(pull.stderr).toContain('Run it: pio run test-org/tiny-llama "Hello"');

    const missing = captureIo(root);
    expect(await runCli(['run', 'test-org/other', 'Hi', '--cache-dir', cacheDir], missing)).toBe(1);
    expect(missing.stderr).toContain('Run `pio pull test-org/other`');
    const absent = captureIo(root);
    expect(await runCli(['pull', 'test-org/other', '--endpoint', hub.endpoint, '--cache-dir', cacheDir], absent)).toBe(1);
    expect(absent.stderr).toMatch(/Repository test-org\/other .*does not exist/);
  });
});
