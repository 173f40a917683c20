import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyCheckpoint, editCheckpointConfig } from './edit-checkpoint.js';
import { writeRandomCheckpoint } from './write-random-checkpoint.js';

const root = await mkdtemp(join(tmpdir(), 'pio-edit-checkpoint-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('copyCheckpoint + editCheckpointConfig', () => {
  it('edits the copy’s config.json and leaves the original as it was', async () => {
    const good = await writeRandomCheckpoint(join(root, 'good'), { arch: 'llama', tokenizer: 'gpt2' });
    const copy = await copyCheckpoint(good.dir, join(root, 'copy'));
    await editCheckpointConfig(copy, { rope_theta: 42 });
    const edited = JSON.parse(await readFile(join(copy, 'config.json'), 'utf8'));
    const original = JSON.parse(await readFile(join(good.dir, 'config.json'), 'utf8'));
    expect(edited).toEqual({ ...original, rope_theta: 42 });
    expect(original.rope_theta).not.toBe(42);
  });
});
