import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEmptyFolders } from './find-empty-folders.js';

describe('findEmptyFolders', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-empty-folders-'));
    for (const dir of [
      'src/attention',
      'src/mlp/fused',
      'src/kv-cache',
      'node_modules/x',
      'dist',
      'benchmarks/results',
    ]) {
      await mkdir(join(root, dir), { recursive: true });
    }
    await writeFile(join(root, 'src/index.ts'), 'export {};\n');
    await writeFile(join(root, 'src/kv-cache/kv-cache.ts'), 'export {};\n');
    await writeFile(join(root, 'benchmarks/x.bench.ts'), '\n');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists the outermost folders holding no file, skipping ignored output folders', async () => {
    expect(await findEmptyFolders(root)).toEqual(['src/attention', 'src/mlp']);
  });
});
