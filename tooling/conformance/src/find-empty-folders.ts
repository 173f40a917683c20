import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Folders that are build output, caches or installs: ignored by git, so never part of a package's shape. */
const ignoredNames = new Set(['node_modules', 'dist', '.turbo', 'coverage', '.git', '.pio-cache']);
const ignoredPaths = new Set(['benchmarks/results']);

/**
 * Every folder under `root` that holds no file at any depth, as paths relative
 * to `root` with `/` separators. Only the outermost such folder is listed (an
 * empty `a/` holding an empty `a/b/` gives `a`). Git-ignored output folders
 * (`node_modules`, `dist`, `benchmarks/results`, ...) are not looked into.
 */
export async function findEmptyFolders(root: string): Promise<string[]> {
  const empty: string[] = [];
  await holdsFiles(root, '', empty);
  return empty.sort();
}

/** True when `relative` (under `root`) holds a file; pushes its empty subfolders onto `empty`. */
async function holdsFiles(root: string, relative: string, empty: string[]): Promise<boolean> {
  const entries = await readdir(join(root, relative), { withFileTypes: true });
  let hasFile = false;
  const emptyChildren: string[] = [];
  for (const entry of entries) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (!entry.isDirectory()) {
      // Files and symlinks alike make a folder non-empty.
      hasFile = true;
      continue;
    }
    if (ignoredNames.has(entry.name) || ignoredPaths.has(path)) continue;
    const childEmpty: string[] = [];
    if (await holdsFiles(root, path, childEmpty)) {
      hasFile = true;
      empty.push(...childEmpty);
    } else {
      emptyChildren.push(path);
    }
  }
  // An empty folder inside an empty folder is reported through its parent alone.
  if (hasFile || relative === '') empty.push(...emptyChildren);
  return hasFile;
}
