import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, ConfigError } from '@pio/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRemoteDescriptor, readRemoteDescriptor } from './remote-descriptor.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-remote-descriptor-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('remote descriptors', () => {
  it('fill defaults and drop a trailing slash of the base URL', () => {
    expect(parseRemoteDescriptor({ baseUrl: 'http://gpu-1:8000/v1/', model: 'llama' })).toEqual({
      baseUrl: 'http://gpu-1:8000/v1',
      model: 'llama',
      timeoutMs: 60_000,
      maxRetries: 2,
      maxRetryDelayMs: 30_000,
      headers: {},
    });
  });

  it('list every bad key in one ConfigError naming the file', async () => {
    const file = join(root, 'bad.remote.json');
    await writeFile(
      file,
      JSON.stringify({ baseUrl: 'ftp://x', model: '', apiKeyEnv: 'my key', timeoutMs: 0, maxRetries: 99, retries: 3 }),
    );
    const error = await readRemoteDescriptor(file).catch((thrown: unknown) => thrown);
    expect(ConfigError.isInstance(error)).toBe(true);
    const config = error as ConfigError;
    expect(config.source).toBe(file);
    expect(config.issues.map((issue) => issue.field).sort()).toEqual(
      ['apiKeyEnv', 'baseUrl', 'maxRetries', 'model', 'retries', 'timeoutMs'].sort(),
    );
    expect(config.message).toContain(`Invalid remote descriptor (from ${file})`);
    expect(config.message).toContain('baseUrl = "ftp://x": must be an http(s) URL');
    expect(config.message).toContain('retries = undefined: is not a known key');
  });

  it('are a CheckpointError when missing or not a JSON object', async () => {
    const missing = await readRemoteDescriptor(join(root, 'none.remote.json')).catch((thrown: unknown) => thrown);
    expect(CheckpointError.isInstance(missing)).toBe(true);
    expect((missing as Error).message).toContain('the file does not exist');
    const array = join(root, 'array.remote.json');
    await writeFile(array, '[1]');
    const notObject = await readRemoteDescriptor(array).catch((thrown: unknown) => thrown);
    expect(CheckpointError.isInstance(notObject)).toBe(true);
  });
});
