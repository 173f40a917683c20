import { createHash, randomBytes } from 'node:crypto';
import { open, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir } from '@pio/core';

/**
 * A key for a checkpoint's build: a SHA-256 over `config.json`, every
 * `*.safetensors` file's header (names, dtypes, shapes, offsets), size and
 * modification time, the name, size and modification time of every file in
 * its `onnx/` folder (exported graphs and their external data), and the
 * build options. Reading headers instead of all weights keeps a cached start
 * fast; a weight file rewritten in place changes its mtime, which changes the key.
 */
export async function checkpointBuildKey(checkpointDir: string, buildOptions: Record<string, unknown>): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(buildOptions));
  const files = (await readdir(checkpointDir)).sort();
  for (const name of files) {
    if (name === 'config.json' || name === 'model.safetensors.index.json') {
      hash.update(name).update(await readFile(join(checkpointDir, name)));
    } else if (name.endsWith('.safetensors')) {
      const file = join(checkpointDir, name);
      const info = await stat(file);
      hash.update(`${name}:${info.size}:${info.mtimeMs}`);
      hash.update(await readHeaderBytes(file, info.size));
    } else if (name === 'onnx') {
      await hashOnnxFolder(hash, join(checkpointDir, name));
    }
  }
  return hash.digest('hex').slice(0, 32);
}

async function hashOnnxFolder(hash: ReturnType<typeof createHash>, dir: string): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const info = await stat(join(dir, name));
    if (info.isFile()) hash.update(`onnx/${name}:${info.size}:${info.mtimeMs}`);
  }
}

async function readHeaderBytes(file: string, size: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const lengthBytes = Buffer.alloc(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const length = Math.min(Number(lengthBytes.readBigUInt64LE(0)), Math.max(0, size - 8), 100 * 1024 * 1024);
    const header = Buffer.alloc(length);
    await handle.read(header, 0, length, 8);
    return header;
  } finally {
    await handle.close();
  }
}

/** What a build left in its folder, written last so a half-written build is never used. */
export interface BuildRecord {
  /** Graph files by role (`decode`, `prefill`), relative to the build folder. */
  graphs: Record<string, string>;
  /** Anything else the builder wants back on a cached start (parameter count, ...). */
  info: Record<string, unknown>;
}

/**
 * Builds once per key: {@link BuildCache.getOrBuild} returns the folder of a
 * finished build, running `build` into a fresh temporary folder (renamed into
 * place when done) only when no finished build exists.
 */
export class BuildCache {
  /** The cache root. */
  readonly root: string;

  /** A cache under `root` (default {@link defaultCacheDir}()/builds). */
  constructor(root: string = join(defaultCacheDir(), 'builds')) {
    this.root = root;
  }

  /**
   * The finished build for `key`, building it with `build(dir)` when absent.
   *
   * @returns the build folder, its record, and whether it came from the cache.
   */
  async getOrBuild(
    key: string,
    build: (dir: string) => Promise<BuildRecord>,
  ): Promise<{ dir: string; record: BuildRecord; fromCache: boolean }> {
    const dir = join(this.root, key);
    const existing = await this.read(dir);
    if (existing) return { dir, record: existing, fromCache: true };
    await mkdir(this.root, { recursive: true });
    const temporary = join(this.root, `.tmp-${key}-${randomBytes(4).toString('hex')}`);
    await mkdir(temporary);
    try {
      const record = await build(temporary);
      await writeFile(join(temporary, 'build.json'), JSON.stringify(record, null, 2));
      await rm(dir, { recursive: true, force: true });
      await rename(temporary, dir);
      return { dir, record, fromCache: false };
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
  }

  private async read(dir: string): Promise<BuildRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(dir, 'build.json'), 'utf8')) as BuildRecord;
    } catch {
      return undefined;
    }
  }
}
