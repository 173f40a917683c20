import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { xxh3 } from '@node-rs/xxhash';

// One computation per set of folders per process: the code does not change under a running process.
const cache = new Map<string, Promise<string>>();

/**
 * An XXH3-64 fingerprint of the code in `packageDirs`: every `dist/**\/*.js`
 * and every `src/**\/*.ts` except tests (`*.test.ts`), by relative path and
 * content. Both are hashed when both exist: published packages ship `src`
 * beside `dist`, and in the repository `src` is what runs (the `@pio/source`
 * condition) while `dist` may be stale, so either changing changes the
 * fingerprint. Computed once per process for the same folders.
 *
 * @param packageDirs package folders, for example the model package's and `@pio/onnx`'s
 * @returns 16 hex digits; folders without such files count as empty
 */
export function codeFingerprint(packageDirs: readonly string[]): Promise<string> {
  const dirs = [...new Set(packageDirs.map((dir) => resolve(dir)))].sort();
  const key = dirs.join('\n');
  let pending = cache.get(key);
  if (!pending) {
    pending = computeFingerprint(dirs);
    // A failure (a folder vanished mid-read) is not cached: the next build tries again.
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

async function computeFingerprint(dirs: readonly string[]): Promise<string> {
  const hasher = xxh3.Xxh3.withSeed();
  for (const dir of dirs) {
    hasher.update(`package:${dir.split(/[\\/]/).slice(-2).join('/')}\n`);
    for (const [folder, wanted] of [
      ['dist', (name: string) => name.endsWith('.js')],
      ['src', (name: string) => name.endsWith('.ts') && !name.endsWith('.test.ts')],
    ] as const) {
      for (const file of await codeFiles(join(dir, folder), wanted)) {
        hasher.update(`${folder}/${file}\n`);
        hasher.update(await readFile(join(dir, folder, file)));
      }
    }
  }
  return hasher.digest().toString(16).padStart(16, '0');
}

/** Files under `dir` (recursively, not into node_modules) that `wanted` accepts, `/`-separated and sorted; none when `dir` is absent. */
async function codeFiles(dir: string, wanted: (name: string) => boolean, prefix = ''): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory() && entry.name !== 'node_modules') files.push(...(await codeFiles(dir, wanted, relative)));
    else if (entry.isFile() && wanted(entry.name)) files.push(relative);
  }
  return files.sort();
}

/**
 * The folder of `packageName` as seen from `fromDir` (Node's resolution, as
 * the code in `fromDir` would import it), or `undefined` when it is not
 * installed there. Needs the package to export `./package.json` or to have no
 * `exports` map.
 *
 * @param packageName for example `@pio/onnx`
 * @param fromDir a package folder that depends on it
 */
export function resolvePackageDir(packageName: string, fromDir: string): string | undefined {
  try {
    return dirname(createRequire(join(fromDir, 'package.json')).resolve(`${packageName}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * The fingerprint of the code that builds a model's graphs: the model
 * package itself and the `@pio/onnx` it imports (resolved from the model
 * package's folder; left out when it does not use one). Part of the build key,
 * so a change to either package's code rebuilds without a hand-bumped
 * `buildVersion`.
 *
 * @param modelPackageDir the model package's folder (`PluginFactoryContext.packageDir`)
 */
export function graphBuilderFingerprint(modelPackageDir: string): Promise<string> {
  const onnx = resolvePackageDir('@pio/onnx', modelPackageDir);
  return codeFingerprint(onnx ? [modelPackageDir, onnx] : [modelPackageDir]);
}
