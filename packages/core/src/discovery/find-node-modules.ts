import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The `node_modules` folders Node would search from `root`: `root/node_modules`,
 * then each parent's, up to the file system root. Only folders that exist.
 */
export async function findNodeModulesDirs(root: string): Promise<string[]> {
  const candidates: string[] = [];
  let dir = resolve(root);
  for (;;) {
    if (basename(dir) !== 'node_modules') candidates.push(join(dir, 'node_modules'));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const exists = await Promise.all(
    candidates.map((candidate) => stat(candidate).then((stats) => stats.isDirectory(), () => false)),
  );
  return candidates.filter((_, index) => exists[index]);
}

/**
 * Package folders directly inside a `node_modules` folder, including those one
 * level down in `@scope` folders, sorted by path. Skips dot entries (`.pnpm`, `.bin`, ...):
 * pnpm's store is reached only through the symlinks that point into it.
 */
export async function listPackageDirs(nodeModulesDir: string): Promise<string[]> {
  const entries = await readdir(nodeModulesDir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map(async (entry) => {
      if (entry.name.startsWith('.') || !(entry.isDirectory() || entry.isSymbolicLink())) return [];
      const path = join(nodeModulesDir, entry.name);
      if (!entry.name.startsWith('@')) return [path];
      const scoped = await readdir(path, { withFileTypes: true }).catch(() => []);
      return scoped
        .filter((child) => !child.name.startsWith('.') && (child.isDirectory() || child.isSymbolicLink()))
        .map((child) => join(path, child.name));
    }),
  );
  // readdir order depends on the file system; sort so results are the same everywhere.
  return nested.flat().sort(compareNames);
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
