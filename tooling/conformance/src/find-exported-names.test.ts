import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExportedNames } from './find-exported-names.js';

describe('findExportedNames', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-exported-names-'));
    await mkdir(join(root, 'nested'));
    await writeFile(
      join(root, 'index.ts'),
      [
        "export { createFooPlugin, FooPlugin as Plugin, type FooOptions } from './plugin.js';",
        "export type { FooConfigFields } from './config.js';",
        "export * from './config.js';",
        "export * as layers from './nested/index.js';",
        'export const answer = 42;',
        'export async function load() {}',
        '// export const commentedOut = 1;',
        '/* export function alsoCommented() {} */',
      ].join('\n'),
    );
    await writeFile(join(root, 'config.ts'), 'export class FooConfig {}\nexport * from "./index.js";\n');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists value exports, aliases and re-exports, not types or comments', async () => {
    const names = await findExportedNames(join(root, 'index.ts'));
    expect([...names].sort()).toEqual(['FooConfig', 'Plugin', 'answer', 'createFooPlugin', 'layers', 'load']);
  });

  it('gives nothing for a file that does not exist', async () => {
    expect((await findExportedNames(join(root, 'missing.ts'))).size).toBe(0);
  });
});
