import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir } from '@pio/core';
import { notAFileError, WeightFileError, weightFileAccessError } from '@pio/safetensors';
import { BuildCacheError, fsErrorCode, unwritableCacheError } from './build-cache-error.js';
import {
  type BuildFileChecksum,
  checksumFiles,
  findHashMismatch,
  findListingMismatch,
  hashFilesHere,
  listFiles,
} from './build-checksums.js';
import { currentOwner, isAbandoned, readOwner, type TryLockResult, tryLock } from './build-lock.js';
import { hashFilesInWorker } from './hash-files-in-worker.js';

/**
 * A key for a checkpoint's build: a SHA-256 over `config.json`, every
 * `*.safetensors` file's header (names, dtypes, shapes, offsets), size,
 * modification time, change time and inode, the size, mtime and inode of every
 * file in its `onnx/` folder (exported graphs and their external data, which a
 * prepared build hard-links, changing their ctime), and the build
 * options. Reading headers instead of all weights keeps a cached start fast;
 * a weight file edited in place changes its ctime (which, unlike the mtime,
 * cannot be set back), so the key changes even when size, header and mtime
 * are kept. Copying or moving a checkpoint changes the key too (one rebuild).
 */
export async function checkpointBuildKey(
  checkpointDir: string,
  buildOptions: Record<string, unknown>,
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(buildOptions));
  const files = (await readdir(checkpointDir)).sort();
  for (const name of files) {
    if (name === 'config.json' || name === 'model.safetensors.index.json') {
      hash.update(name).update(await readFile(join(checkpointDir, name)));
    } else if (name.endsWith('.safetensors')) {
      const file = join(checkpointDir, name);
      // A looping or dangling link, a folder or an unreadable file: a WeightFileError naming it, not a bare errno.
      try {
        const info = await stat(file);
        if (!info.isFile()) throw notAFileError(file, info.isDirectory() ? 'a folder' : 'a special file');
        hash.update(`${name}:${fileIdentity(info)}`);
        hash.update(await readHeaderBytes(file, info.size));
      } catch (cause) {
        throw WeightFileError.isInstance(cause) ? cause : await weightFileAccessError(file, cause);
      }
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
    // No ctime here: preparing a build hard-links these files into it, and a new link changes their ctime.
    if (info.isFile()) hash.update(`onnx/${name}:${info.size}:${info.mtimeMs}:${info.ino}`);
  }
}

/**
 * Size, mtime, ctime and inode: a file rewritten in place changes its ctime
 * even when its mtime is restored (`touch -d`, `utimes`), and a file replaced
 * by another changes its inode.
 */
function fileIdentity(info: Stats): string {
  return `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`;
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
  /**
   * Size and XXH3-64 of every file of the build folder (graphs, `*.onnx_data`),
   * by path relative to it. Written by {@link BuildCache}, which verifies them
   * on every cached start; a builder's own value is ignored.
   */
  files?: Record<string, BuildFileChecksum>;
}

/** Options of {@link BuildCache.getOrBuild}. */
export interface GetOrBuildOptions {
  /**
   * Receives one-line notices for the user: a damaged build being rebuilt, or
   * a wait for another process's build. Must not throw.
   */
  onNotice?: (message: string) => void;
  /** How often to look again while another process builds, in ms (default 200). */
  pollMs?: number;
  /**
   * Hash a cached build's files on a worker thread and return before that is
   * done (default false): `getOrBuild` answers after the cheap checks (the
   * record, the file list, every size) with {@link CachedBuild.hashCheck}
   * pending, so the caller can load the build meanwhile. The caller must
   * await `hashCheck` before trusting what it loaded, and on a reason drop
   * it and call `getOrBuild` again, which finds the damage and rebuilds.
   */
  hashInBackground?: boolean;
}

/** What {@link BuildCache.getOrBuild} returns. */
export interface CachedBuild {
  /** The finished build's folder. */
  dir: string;
  /** Its `build.json`. */
  record: BuildRecord;
  /** True when the build was already there (this process did not build). */
  fromCache: boolean;
  /**
   * With {@link GetOrBuildOptions.hashInBackground}, on a cached build: the
   * hashes still being checked. Resolves to why the build is damaged, or
   * `undefined` when every file matches; never rejects.
   */
  hashCheck?: Promise<string | undefined>;
}

const recordFile = 'build.json';
/** Inside a temporary folder: who is building into it, so an abandoned one can be recognized and removed. */
const ownerFile = '.pio-build-owner.json';
/** A temporary folder without a readable owner is removed once older than this. */
const unownedTemporaryMs = 10 * 60 * 1000;
/** A temporary folder of another host (its pid cannot be checked here) is removed once older than this. */
const foreignTemporaryMs = 6 * 60 * 60 * 1000;

type Inspection =
  | { state: 'ok'; record: BuildRecord; hashCheck?: Promise<string | undefined> }
  | { state: 'absent' }
  | { state: 'damaged'; reason: string };

/**
 * Builds once per key, safely across processes. {@link BuildCache.getOrBuild}
 * returns a verified finished build, or builds one into a temporary folder and
 * renames it into place:
 *
 * - A build records the size and XXH3-64 of every file it wrote in
 *   `build.json`; every cached start checks them (~0.2 s per GB) and rebuilds
 *   a damaged build once, with a notice.
 * - Processes starting together agree through a lock file (`<key>.lock`,
 *   created exclusively, holding pid, host and start time): one builds, the
 *   others wait for its folder. A lock whose process died is taken over.
 * - A finished folder is never deleted in place (another process may be
 *   loading it): a damaged one is renamed aside first, and a build that finds
 *   its target already there discards itself.
 * - Temporary folders of builds that were interrupted (their process is gone)
 *   are removed on the next start.
 */
export class BuildCache {
  /** The cache root. */
  readonly root: string;

  /** A cache under `root` (default {@link defaultCacheDir}()/builds). */
  constructor(root: string = join(defaultCacheDir(), 'builds')) {
    this.root = root;
  }

  /**
   * The finished, verified build for `key`, building it with `build(dir)`
   * when absent or damaged. `build` writes into `dir` (a fresh temporary
   * folder) and returns the record; the cache adds the checksums.
   *
   * @returns the build folder, its record, and whether it came from the cache.
   * @throws BuildCacheError when the cache folder cannot be written
   *   (EACCES, EPERM, EROFS, ENOTDIR), or when rebuilding a damaged build fails
   *   on the file system (the message names the folder to delete).
   * @throws whatever `build` throws otherwise.
   */
  async getOrBuild(
    key: string,
    build: (dir: string) => Promise<BuildRecord>,
    options: GetOrBuildOptions = {},
  ): Promise<CachedBuild> {
    const dir = join(this.root, key);
    const first = await this.inspect(dir, options.hashInBackground ? 'background' : 'now');
    if (first.state === 'ok') {
      await this.removeAbandonedTemporaries();
      return { dir, record: first.record, fromCache: true, ...(first.hashCheck ? { hashCheck: first.hashCheck } : {}) };
    }
    try {
      await mkdir(this.root, { recursive: true });
    } catch (error) {
      throw unwritableCacheError(error, this.root);
    }
    await this.removeAbandonedTemporaries();
    const lockFile = join(this.root, `${key}.lock`);
    let waitingFor: number | undefined;
    for (;;) {
      let attempt: TryLockResult;
      try {
        attempt = await tryLock(lockFile);
      } catch (error) {
        throw unwritableCacheError(error, this.root);
      }
      if ('heldBy' in attempt) {
        const pid = attempt.heldBy?.pid;
        if (pid !== undefined && pid !== waitingFor) {
          waitingFor = pid;
          options.onNotice?.(`Waiting for process ${pid}, which is building ${dir}`);
        }
        await sleep(options.pollMs ?? 200);
        const meanwhile = await this.inspect(dir);
        if (meanwhile.state === 'ok') return { dir, record: meanwhile.record, fromCache: true };
        continue;
      }
      try {
        return await this.buildLocked(key, dir, build, options);
      } finally {
        await attempt.lock.release();
      }
    }
  }

  /** Under the lock: checks again (another process may have just built), then builds. */
  private async buildLocked(
    key: string,
    dir: string,
    build: (dir: string) => Promise<BuildRecord>,
    options: GetOrBuildOptions,
  ): Promise<CachedBuild> {
    const current = await this.inspect(dir);
    if (current.state === 'ok') return { dir, record: current.record, fromCache: true };
    const damaged = current.state === 'damaged';
    if (damaged) {
      options.onNotice?.(`Rebuilding the cached build ${dir}: ${current.reason}`);
      await this.moveAside(dir, key);
    }
    const temporary = join(this.root, `.tmp-${key}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(temporary);
      await writeFile(join(temporary, ownerFile), JSON.stringify(currentOwner()));
    } catch (error) {
      await rm(temporary, { recursive: true, force: true }).catch(() => {});
      throw unwritableCacheError(error, this.root);
    }
    try {
      const built = await build(temporary);
      await rm(join(temporary, ownerFile), { force: true });
      const record: BuildRecord = {
        graphs: built.graphs,
        info: built.info,
        files: await checksumFiles(
          temporary,
          (await listFiles(temporary)).filter((name) => name !== recordFile),
        ),
      };
      await writeFile(join(temporary, recordFile), JSON.stringify(record, null, 2));
      try {
        await rename(temporary, dir);
      } catch (error) {
        // Another build got there first (a lock taken over by mistake): theirs stands, ours goes.
        const code = fsErrorCode(error);
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error;
        const theirs = await this.inspect(dir);
        if (theirs.state !== 'ok') throw error;
        await rm(temporary, { recursive: true, force: true });
        return { dir, record: theirs.record, fromCache: false };
      }
      return { dir, record, fromCache: false };
    } catch (error) {
      await rm(temporary, { recursive: true, force: true }).catch(() => {});
      if (damaged && fsErrorCode(error) !== undefined) {
        throw new BuildCacheError({
          folder: dir,
          reason: `the cached build was damaged (${current.reason}) and rebuilding it failed: ${(error as Error).message}`,
          hint: `Delete the folder ${dir} and run again.`,
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * Whether `dir` holds a finished build whose files all match `build.json`.
   * With `hashes` `'background'` a build that passes the cheap checks is
   * `ok` at once, its hashes checked on a worker thread (`hashCheck`).
   */
  private async inspect(dir: string, hashes: 'now' | 'background' = 'now'): Promise<Inspection> {
    let text: string;
    try {
      text = await readFile(join(dir, recordFile), 'utf8');
    } catch (error) {
      if (fsErrorCode(error) !== 'ENOENT' && fsErrorCode(error) !== 'ENOTDIR') {
        return { state: 'damaged', reason: `${recordFile} cannot be read (${fsErrorCode(error) ?? error})` };
      }
      try {
        await stat(dir);
      } catch {
        return { state: 'absent' };
      }
      return { state: 'damaged', reason: `there is no ${recordFile} (a build cut short)` };
    }
    let record: BuildRecord;
    try {
      record = JSON.parse(text) as BuildRecord;
    } catch {
      return { state: 'damaged', reason: `${recordFile} is not valid JSON` };
    }
    if (typeof record !== 'object' || record === null || typeof record.graphs !== 'object' || record.graphs === null) {
      return { state: 'damaged', reason: `${recordFile} has no graphs` };
    }
    if (typeof record.files !== 'object' || record.files === null) {
      return { state: 'damaged', reason: `${recordFile} has no checksums (an older PIO made it)` };
    }
    for (const graph of Object.values(record.graphs)) {
      if (!Object.hasOwn(record.files, graph))
        return { state: 'damaged', reason: `${graph} is not recorded in ${recordFile}` };
    }
    const files = record.files;
    const unreadable = (error: unknown) => `its files cannot be read (${fsErrorCode(error) ?? error})`;
    try {
      const listing = await findListingMismatch(dir, files, [recordFile]);
      if (listing) return { state: 'damaged', reason: listing };
      if (hashes === 'background') {
        // A worker that cannot start (not a file's fault: no code) is no reason to rebuild: hash here instead.
        const inWorker = (paths: readonly string[]) =>
          hashFilesInWorker(paths).catch((error: unknown) => {
            if (fsErrorCode(error) !== undefined) throw error;
            return hashFilesHere(paths);
          });
        return { state: 'ok', record, hashCheck: findHashMismatch(dir, files, inWorker).catch(unreadable) };
      }
      const content = await findHashMismatch(dir, files);
      if (content) return { state: 'damaged', reason: content };
    } catch (error) {
      return { state: 'damaged', reason: unreadable(error) };
    }
    return { state: 'ok', record };
  }

  /** Renames a damaged build out of the way (never deleted in place: another process may have it open), then removes it. */
  private async moveAside(dir: string, key: string): Promise<void> {
    const aside = join(this.root, `.tmp-${key}-damaged-${randomBytes(4).toString('hex')}`);
    try {
      await rename(dir, aside);
    } catch (error) {
      if (fsErrorCode(error) === 'ENOENT') return;
      throw unwritableCacheError(error, dir);
    }
    await rm(aside, { recursive: true, force: true }).catch(() => {});
  }

  /**
   * Removes `.tmp-*` folders left by interrupted builds: those whose owner
   * process is gone, or, without a readable owner, older than 10 minutes.
   * Never fails: a read-only cache simply keeps them.
   */
  private async removeAbandonedTemporaries(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.root)).filter((name) => name.startsWith('.tmp-'));
    } catch {
      return;
    }
    for (const name of names) {
      const folder = join(this.root, name);
      try {
        const ageMs = Date.now() - (await stat(folder)).mtimeMs;
        const owner = await readOwner(join(folder, ownerFile));
        const abandoned = owner ? isAbandoned(owner, ageMs, foreignTemporaryMs) : ageMs > unownedTemporaryMs;
        if (abandoned) await rm(folder, { recursive: true, force: true });
      } catch {
        // Gone meanwhile, or not ours to remove.
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
