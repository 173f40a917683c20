import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors/checkpoint-error.js';
import { readJsonObjectFile } from './read-json-object-file.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-read-json-object-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** What `work` rejects with, checked to be a CheckpointError. */
async function checkpointError(work: Promise<unknown>): Promise<CheckpointError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(CheckpointError.isInstance(error), String(error)).toBe(true);
  return error as CheckpointError;
}

describe('readJsonObjectFile', () => {
  it('returns the object a file holds', async () => {
    const file = join(root, 'good.json');
    await writeFile(file, '{"a": 1, "b": [2]}');
    expect(await readJsonObjectFile(file)).toEqual({ a: 1, b: [2] });
  });

  it('a missing file: CheckpointError with the missing hint, or undefined when optional', async () => {
    const file = join(root, 'absent.json');
    const error = await checkpointError(readJsonObjectFile(file, { missingHint: 'Write it first.' }));
    expect(error.file).toBe(file);
    expect(error.message).toContain(`${file}: the file does not exist`);
    expect(error.hint).toBe('Write it first.');
    expect(await readJsonObjectFile(file, { optional: true })).toBeUndefined();
  });

  it('a folder in place of the file: CheckpointError saying it cannot be read, with the unreadable hint', async () => {
    const error = await checkpointError(readJsonObjectFile(root, { unreadableHint: 'Name a file.', optional: true }));
    expect(error.message).toContain('it cannot be read');
    expect(error.hint).toBe('Name a file.');
  });

  it('not JSON, or JSON that is not an object: CheckpointError saying so (and what is expected)', async () => {
    const broken = join(root, 'broken.json');
    await writeFile(broken, '{"a": 1,,}');
    expect((await checkpointError(readJsonObjectFile(broken))).message).toContain('it is not valid JSON');
    const list = join(root, 'list.json');
    await writeFile(list, '[1, 2]');
    expect((await checkpointError(readJsonObjectFile(list))).message).toContain('it must hold a JSON object');
    const error = await checkpointError(readJsonObjectFile(list, { expected: 'a JSON object like { "x": 1 }' }));
    expect(error.message).toContain('it must hold a JSON object like { "x": 1 }');
  });
});
