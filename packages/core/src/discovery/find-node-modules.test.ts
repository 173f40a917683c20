import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/helpers/plugin-package-json.js';
import { findNodeModulesDirs, listPackageDirs } from './find-node-modules.js';

let root: string;

beforeAll(() => {
  root = makeTempDir('pio-find-nm-');
  const mk = (path: string) => mkdirSync(join(root, path), { recursive: true });
  mk('node_modules');
  mk('a/b/c/node_modules');
  mk('a/b/no-modules-here');
  // a/node_modules is a file, not a folder: not searched.
  writeFileSync(join(root, 'a/node_modules'), 'not a folder');
  mk('a/b/c/node_modules/zeta');
  mk('a/b/c/node_modules/alpha');
  mk('a/b/c/node_modules/alpha/node_modules/inner');
  mk('a/b/c/node_modules/@scope/two');
  mk('a/b/c/node_modules/@scope/one');
  mk('a/b/c/node_modules/@scope/.hidden');
  mk('a/b/c/node_modules/@empty');
  mk('a/b/c/node_modules/.pnpm/zeta@1.0.0/node_modules/zeta');
  mk('a/b/c/node_modules/.bin');
  mk('store/real-pkg');
  mk('store/@s');
  writeFileSync(join(root, 'a/b/c/node_modules/.modules.yaml'), '');
  writeFileSync(join(root, 'a/b/c/node_modules/README.md'), '');
  symlinkSync(join(root, 'store/real-pkg'), join(root, 'a/b/c/node_modules/linked'), 'dir');
  symlinkSync(join(root, 'store/real-pkg'), join(root, 'a/b/c/node_modules/@scope/linked'), 'dir');
  symlinkSync(join(root, 'store/@s'), join(root, 'a/b/c/node_modules/@linked-scope'), 'dir');
  mkdirSync(join(root, 'store/@s/in-linked-scope'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Only the folders inside the test's temp dir: whatever exists above it is not ours to assert. */
const ours = (dirs: string[]) => dirs.filter((dir) => dir.startsWith(`${root}/`));

describe('findNodeModulesDirs', () => {
  it('walks up from the root as Node does, keeping only existing folders, nearest first', async () => {
    const dirs = await findNodeModulesDirs(join(root, 'a/b/c'));
    expect(ours(dirs)).toEqual([join(root, 'a/b/c/node_modules'), join(root, 'node_modules')]);
    expect(dirs.slice(0, 2)).toEqual(ours(dirs));
    expect(ours(await findNodeModulesDirs(join(root, 'a/b/no-modules-here')))).toEqual([join(root, 'node_modules')]);
  });

  it('does not look for node_modules/node_modules when the root is a package inside node_modules', async () => {
    const dirs = await findNodeModulesDirs(join(root, 'a/b/c/node_modules/alpha'));
    expect(ours(dirs)).toEqual([
      join(root, 'a/b/c/node_modules/alpha/node_modules'),
      join(root, 'a/b/c/node_modules'),
      join(root, 'node_modules'),
    ]);
  });

  it('resolves relative roots against the current directory', async () => {
    const dirs = await findNodeModulesDirs('.');
    expect(dirs[0]).toBe(join(process.cwd(), 'node_modules'));
  });
});

describe('listPackageDirs', () => {
  it('lists packages and scoped packages, sorted, symlinks included, dot entries and files skipped', async () => {
    const nm = join(root, 'a/b/c/node_modules');
    expect(await listPackageDirs(nm)).toEqual([
      join(nm, '@linked-scope/in-linked-scope'),
      join(nm, '@scope/linked'),
      join(nm, '@scope/one'),
      join(nm, '@scope/two'),
      join(nm, 'alpha'),
      join(nm, 'linked'),
      join(nm, 'zeta'),
    ]);
  });

  it('gives nothing for a folder that does not exist', async () => {
    expect(await listPackageDirs(join(root, 'missing/node_modules'))).toEqual([]);
  });
});
