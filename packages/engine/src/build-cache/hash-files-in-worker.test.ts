import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile } from './build-checksums.js';
import { hashFilesInWorker } from './hash-files-in-worker.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-hash-worker-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('hashFilesInWorker', () => {
  it('gives the digests hashFile gives, in order (empty, small, and over one 8 MiB chunk)', async () => {
    const files = [join(root, 'empty'), join(root, 'small'), join(root, 'large')];
    await writeFile(files[0]!, '');
    await writeFile(files[1]!, 'graph proto bytes');
    await writeFile(files[2]!, randomBytes(8 * 1024 * 1024 + 12345));
    const digests = await hashFilesInWorker(files);
    expect(digests).toEqual(await Promise.all(files.map((file) => hashFile(file))));
    expect(new Set(digests).size).toBe(3);
  });

  it('rejects with the file system code of a file that cannot be read', async () => {
    const error = await hashFilesInWorker([join(root, 'absent')]).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('ENOENT');
    expect((error as Error).message).toContain('absent');
  });
});
