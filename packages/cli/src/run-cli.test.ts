import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreVersion } from '@pio/core';
import { captureIo } from './testing/capture-io.js';
import { runCli } from './run-cli.js';

const manifest = (overrides: Record<string, unknown> = {}) => ({
  specificationVersion: 'v1',
  type: 'model',
  displayName: 'Alpha',
  description: 'A test plugin.',
  author: 'PIO tests',
  license: 'MIT',
  architectures: ['AlphaForCausalLM'],
  modelTypes: ['alpha'],
  family: 'Alpha',
  size: '1M',
  parameters: 1000000,
  requiredMemoryGb: 0.01,
  modalities: ['text'],
  tags: [],
  compatibility: { core: `^${coreVersion}` },
  entryPoint: { export: '.', factory: 'createAlphaPlugin' },
  ...overrides,
});

describe('pio list', () => {
  let app: string;
  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'pio-cli-'));
    const write = async (dir: string, json: unknown) => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify(json));
    };
    await write(join(app, 'node_modules/@acme/model-alpha'), { name: '@acme/model-alpha', version: '1.2.3', pio: manifest() });
    await write(join(app, 'node_modules/broken-plugin'), { name: 'broken-plugin', version: '1.0.0', pio: manifest({ family: '' }) });
    await write(join(app, 'node_modules/left-pad'), { name: 'left-pad', version: '1.0.0' });
  });
  afterAll(async () => {
    await rm(app, { recursive: true, force: true });
  });

  it('prints the plugins as a table and the problems on stderr, exiting 1 for a broken plugin', async () => {
    const io = captureIo(app);
    const code = await runCli(['list'], io);
    expect(code).toBe(1);
    // The CLI's own install is searched too, so plugins beside it may be listed as well.
    expect(io.stdout).toMatch(/Model plugins \(\d+\):/);
    expect(io.stdout).toMatch(/@acme\/model-alpha\s+1\.2\.3\s+Alpha\s+1M\s+AlphaForCausalLM, model_type=alpha/);
    expect(io.stderr).toContain('error: Invalid pio manifest in broken-plugin');
    expect(io.stderr).toContain('pio.family: must not be empty');
  });

  it('prints one JSON object with --json', async () => {
    const io = captureIo(app);
    await runCli(['list', '--json'], io);
    const result = JSON.parse(io.stdout) as { plugins: { name: string }[]; problems: { code: string; packageName: string }[] };
    expect(result.plugins[0]?.name).toBe('@acme/model-alpha');
    expect(result.plugins.map((plugin) => plugin.name)).not.toContain('broken-plugin');
    expect(result.problems).toEqual([
      expect.objectContaining({ code: 'PIO_MANIFEST_INVALID', packageName: 'broken-plugin' }),
    ]);
  });

  it('answers --help and rejects unknown commands with a non-zero code', async () => {
    const help = captureIo(app);
    expect(await runCli(['--help'], help)).toBe(0);
    expect(help.stdout).toContain('list');
    const bad = captureIo(app);
    expect(await runCli(['frobnicate'], bad)).not.toBe(0);
    expect(bad.stderr).toContain("unknown command 'frobnicate'");
  });
});
