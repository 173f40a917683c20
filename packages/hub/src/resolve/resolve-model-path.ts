import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultCacheDir } from '@pio/core';
import { findCachedSnapshot, modelCacheDir } from '../cache/model-cache.js';
import { ModelNotFoundError } from '../errors/model-not-found-error.js';
import { isRepoId } from '../repo/repo-id.js';

/** Options of {@link resolveModelPath} and {@link findModelPath}. */
export interface ResolveModelOptions {
  /** The PIO cache folder the model was pulled into. Default: {@link defaultCacheDir}. */
  cacheDir?: string;
  /** The revision pulled (branch, tag or commit). Default: `main`, else the most recently pulled snapshot. */
  revision?: string;
  /** The folder relative paths are resolved against. Default: the working directory. */
  cwd?: string;
}

/**
 * Where a model named by a path or a pulled repository id is, or `undefined`:
 * an existing path wins; else, for an `owner/name` id, the complete snapshot
 * `pio pull` left in the cache (see `findCachedSnapshot`). Reads only the disk.
 */
export function findModelPath(nameOrPath: string, options: ResolveModelOptions = {}): string | undefined {
  const path = resolve(options.cwd ?? process.cwd(), nameOrPath);
  if (existsSync(path)) return path;
  if (!isRepoId(nameOrPath)) return undefined;
  return findCachedSnapshot(nameOrPath, options)?.dir;
}

/**
 * Like {@link findModelPath}, but a model that is not there is an error that
 * says how to pull it.
 *
 * @returns the absolute path of an existing file or folder, or of a complete pulled snapshot folder.
 * @throws ModelNotFoundError when neither exists (its hint: `run pio pull owner/name`).
 */
export function resolveModelPath(nameOrPath: string, options: ResolveModelOptions = {}): string {
  const found = findModelPath(nameOrPath, options);
  if (found) return found;
  const path = resolve(options.cwd ?? process.cwd(), nameOrPath);
  if (!isRepoId(nameOrPath)) throw new ModelNotFoundError({ nameOrPath, path });
  throw new ModelNotFoundError({
    nameOrPath,
    path,
    repo: nameOrPath,
    ...(options.revision ? { revision: options.revision } : {}),
    modelDir: modelCacheDir(nameOrPath, options.cacheDir ?? defaultCacheDir()),
  });
}
