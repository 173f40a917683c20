import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type HubTestServer, startHubTestServer } from '@pio/hub/testing';
import { writeGgufCheckpoint, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';

let root: string;
let hub: HubTestServer;
const commit = 'c0ffee'.padEnd(40, '0');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-pull-'));
  await writeRandomCheckpoint(join(root, 'hub', 'tiny'), { arch: 'llama', tokenizer: 'gpt2', seed: 5 });
  // A llama.cpp-style repository: the same model in two quantizations, plus a README.
  await mkdir(join(root, 'hub', 'gguf'));
  await writeGgufCheckpoint(join(root, 'hub', 'tiny'), join(root, 'hub', 'gguf', 'tiny-llama-Q8_0.gguf'), 'Q8_0');
  await writeGgufCheckpoint(join(root, 'hub', 'tiny'), join(root, 'hub', 'gguf', 'tiny-llama-Q4_0.gguf'), 'Q4_0');
  await writeFile(join(root, 'hub', 'gguf', 'README.md'), '# tiny-llama GGUF\n');
  hub = await startHubTestServer({
    repos: {
      'test-org/tiny-llama': { revisions: { main: { commit, dir: join(root, 'hub', 'tiny') } } },
      'test-org/tiny-llama-GGUF': { revisions: { main: { commit, dir: join(root, 'hub', 'gguf') } } },
    },
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
    const code = await runCli(
      ['pull', 'test-org/tiny-llama', '--endpoint', hub.endpoint, '--cache-dir', cacheDir, '--json'],
      pull,
    );
    expect(pull.stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(pull.stdout) as { dir: string; commit: string; files: { path: string }[] };
    expect(result.commit).toBe(commit);
    expect(result.dir).toBe(join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', commit));
    expect(result.files.map((file) => file.path)).toContain('model.safetensors');

    const run = captureIo(root);
    const args = [
      'run',
      'test-org/tiny-llama',
      'Hello',
      '-n',
      '2',
      '--temperature',
      '0',
      '--json',
      '--cache-dir',
      cacheDir,
    ];
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

  it('pulls one GGUF quantization of a GGUF repository, then pio run takes its repo id', async () => {
    const cacheDir = join(root, 'cache-gguf');
    const base = ['pull', 'test-org/tiny-llama-GGUF', '--endpoint', hub.endpoint, '--cache-dir', cacheDir];
    const none = captureIo(root);
    expect(await runCli(base, none)).not.toBe(0);
    expect(none.stderr).toMatch(
      /2 GGUF models and no single Q4_K_M one to take by default \(it has: Q4_0 .*, Q8_0 .*\)/,
    );
    expect(none.stderr).toContain('--quant');

    const pull = captureIo(root);
    expect(await runCli([...base, '--quant', 'q8_0', '--json'], pull)).toBe(0);
    const result = JSON.parse(pull.stdout) as { format: string; quant: string; files: { path: string }[] };
    expect(result).toMatchObject({ format: 'gguf', quant: 'Q8_0' });
    expect(result.files.map((file) => file.path)).toEqual(['tiny-llama-Q8_0.gguf']);

    const run = captureIo(root);
    const args = ['run', 'test-org/tiny-llama-GGUF', 'Hello', '-n', '2', '-t', '0', '--json', '--cache-dir', cacheDir];
    expect(await runCli(args, run)).toBe(0);
    expect((JSON.parse(run.stdout) as { ids: number[] }).ids).toHaveLength(2);
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
    expect(
      await runCli(['pull', 'test-org/tiny-llama', '--endpoint', hub.endpoint, '--cache-dir', cacheDir], pull),
    ).toBe(0);
    expect(pull.stdout.trim()).toBe(join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', commit));
    expect(pull.stderr).toMatch(/^Pulling test-org\/tiny-llama: 5 files/);
    expect(pull.stderr).toMatch(/\[5\/5\] /);
    expect(pull.stderr).toContain('Run it: pio run test-org/tiny-llama "Hello"');

    const missing = captureIo(root);
    expect(await runCli(['run', 'test-org/other', 'Hi', '--cache-dir', cacheDir], missing)).toBe(1);
    expect(missing.stderr).toContain('Run `pio pull test-org/other`');
    const absent = captureIo(root);
    expect(await runCli(['pull', 'test-org/other', '--endpoint', hub.endpoint, '--cache-dir', cacheDir], absent)).toBe(
      1,
    );
    expect(absent.stderr).toMatch(/Repository test-org\/other .*does not exist/);
  });

  it('refuses a bad --revision or --timeout with one typed line, before any request and without writing a file', async () => {
    const cacheDir = join(root, 'cache-bad-args');
    const before = hub.requests.length;
    for (const [flag, value, message] of [
      ['--revision', '..', 'pio: ".." is not a revision name of test-org/tiny-llama'],
      ['--revision', '/etc', 'pio: "/etc" is not a revision name of test-org/tiny-llama'],
      ['--timeout', '0', 'pio: --timeout "0" is not a number of seconds above zero'],
      ['--timeout', 'soon', 'pio: --timeout "soon" is not a number of seconds above zero'],
    ] as const) {
      const io = captureIo(root);
      expect(
        await runCli(
          ['pull', 'test-org/tiny-llama', flag, value, '--endpoint', hub.endpoint, '--cache-dir', cacheDir],
          io,
        ),
      ).toBe(1);
      expect(io.stderr.startsWith(message), io.stderr).toBe(true);
      expect(io.stderr.trim().split('\n')).toHaveLength(2); // the message and its hint
    }
    expect(hub.requests.length).toBe(before);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('warns about files the hub listed without a hash', async () => {
    hub.faults.bare = ['config.json'];
    try {
      const io = captureIo(root);
      const args = [
        'pull',
        'test-org/tiny-llama',
        '--endpoint',
        hub.endpoint,
        '--cache-dir',
        join(root, 'cache-bare'),
        '--timeout',
        '20',
      ];
      expect(await runCli(args, io)).toBe(0);
      expect(io.stderr).toContain(
        'Warning: the hub listed no hash for config.json; it was downloaded unverified ("verified": false in .pio-snapshot.json).',
      );
    } finally {
      delete hub.faults.bare;
    }
  });
});
