import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, open, readdir, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PioError } from '@pio/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildCache, type BuildRecord } from './build-cache.js';
import { BuildCacheError } from './build-cache-error.js';

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-build-integrity-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
const fresh = (name: string) => join(root, `${name}-${count++}`);

const dataBytes = 64 * 1024;

/** A build shaped like a real one: a small graph, its external data, and a file in a subfolder. */
function modelBuild() {
  let calls = 0;
  const build = async (dir: string): Promise<BuildRecord> => {
    calls++;
    await writeFile(join(dir, 'decoder.onnx'), 'graph proto bytes');
    await writeFile(join(dir, 'decoder.onnx_data'), Buffer.alloc(dataBytes, 7));
    await mkdir(join(dir, 'extra'));
    await writeFile(join(dir, 'extra', 'prefill.onnx'), 'prefill graph');
    return { graphs: { decode: 'decoder.onnx', prefill: 'extra/prefill.onnx' }, info: { parameters: 1 } };
  };
  return { build, calls: () => calls };
}

/** A cache with one finished build of `key`, its folder, and a notice collector. */
async function builtCache(key = 'model') {
  const cache = new BuildCache(fresh('cache'));
  const model = modelBuild();
  const first = await cache.getOrBuild(key, model.build);
  const notices: string[] = [];
  return { cache, model, dir: first.dir, notices, onNotice: (message: string) => notices.push(message) };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

describe('BuildCache checksums', () => {
  it('records the size and XXH3-64 of every file the build wrote (graphs, external data, subfolders)', async () => {
    const { dir } = await builtCache();
    const record = JSON.parse(await readFile(join(dir, 'build.json'), 'utf8')) as BuildRecord;
    expect(Object.keys(record.files!).sort()).toEqual(['decoder.onnx', 'decoder.onnx_data', 'extra/prefill.onnx']);
    expect(record.files!['decoder.onnx_data']).toEqual({
      size: dataBytes,
      xxh3: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  });

  it('reuses an intact build without building again', async () => {
    const { cache, model, notices, onNotice } = await builtCache();
    const again = await cache.getOrBuild('model', model.build, { onNotice });
    expect(again.fromCache).toBe(true);
    expect(model.calls()).toBe(1);
    expect(notices).toEqual([]);
  });

  const damages: Array<[string, (dir: string) => Promise<void>, string]> = [
    [
      'same-size random bytes in decoder.onnx_data',
      (dir) => writeFile(join(dir, 'decoder.onnx_data'), randomBytes(dataBytes)),
      'decoder.onnx_data does not match its checksum',
    ],
    [
      'a zeroed range (a layer) inside decoder.onnx_data',
      async (dir) => {
        const handle = await open(join(dir, 'decoder.onnx_data'), 'r+');
        await handle.write(Buffer.alloc(4096), 0, 4096, 8192);
        await handle.close();
      },
      'decoder.onnx_data does not match its checksum',
    ],
    [
      'a truncated graph file',
      (dir) => truncate(join(dir, 'decoder.onnx'), 5),
      'decoder.onnx has 5 bytes instead of 17',
    ],
    ['a deleted graph file', (dir) => rm(join(dir, 'extra', 'prefill.onnx')), 'extra/prefill.onnx is missing'],
    [
      'a file build.json does not list',
      (dir) => writeFile(join(dir, 'decoder.onnx_data.2'), 'x'),
      'decoder.onnx_data.2 is not recorded in build.json',
    ],
    [
      'a build.json entry removed',
      async (dir) => {
        const record = JSON.parse(await readFile(join(dir, 'build.json'), 'utf8')) as BuildRecord;
        delete record.files!['decoder.onnx'];
        await writeFile(join(dir, 'build.json'), JSON.stringify(record));
      },
      'decoder.onnx is not recorded in build.json',
    ],
    [
      'a build.json without checksums (written by an older PIO)',
      (dir) => writeFile(join(dir, 'build.json'), JSON.stringify({ graphs: { decode: 'decoder.onnx' }, info: {} })),
      'build.json has no checksums (an older PIO made it)',
    ],
    [
      'a build.json that is not JSON',
      (dir) => writeFile(join(dir, 'build.json'), '{"graphs":'),
      'build.json is not valid JSON',
    ],
  ];

  it.each(damages)('rebuilds once, with a one-line notice, after %s', async (_, damage, reason) => {
    const { cache, model, dir, notices, onNotice } = await builtCache();
    const intact = await readFile(join(dir, 'decoder.onnx_data'));
    await damage(dir);
    const rebuilt = await cache.getOrBuild('model', model.build, { onNotice });
    expect(rebuilt.fromCache).toBe(false);
    expect(model.calls()).toBe(2);
    expect(notices).toEqual([`Rebuilding the cached build ${dir}: ${reason}`]);
    expect(await readFile(join(dir, 'decoder.onnx_data'))).toEqual(intact);
    // Nothing left behind: no temporary or damaged folder, no lock.
    expect(await readdir(cache.root)).toEqual(['model']);
    // And the rebuilt folder is trusted again.
    const third = await cache.getOrBuild('model', model.build, { onNotice });
    expect(third.fromCache).toBe(true);
    expect(notices).toHaveLength(1);
  });

  it('with hashInBackground, answers an intact build at once and confirms it on a worker thread', async () => {
    const { cache, model, notices, onNotice } = await builtCache();
    const again = await cache.getOrBuild('model', model.build, { onNotice, hashInBackground: true });
    expect(again.fromCache).toBe(true);
    expect(await again.hashCheck).toBeUndefined();
    expect(model.calls()).toBe(1);
    expect(notices).toEqual([]);
  });

  it.each(damages.slice(0, 2))(
    'with hashInBackground, reports %s through hashCheck; the next getOrBuild rebuilds',
    async (_, damage, reason) => {
      const { cache, model, dir, notices, onNotice } = await builtCache();
      await damage(dir);
      const suspect = await cache.getOrBuild('model', model.build, { onNotice, hashInBackground: true });
      expect(suspect.fromCache).toBe(true);
      expect(await suspect.hashCheck).toBe(reason);
      const rebuilt = await cache.getOrBuild('model', model.build, { onNotice });
      expect(rebuilt.fromCache).toBe(false);
      expect(notices).toEqual([`Rebuilding the cached build ${dir}: ${reason}`]);
    },
  );

  it.each(damages.slice(2))('with hashInBackground, still finds %s before answering', async (_, damage, reason) => {
    const { cache, model, dir, notices, onNotice } = await builtCache();
    await damage(dir);
    const rebuilt = await cache.getOrBuild('model', model.build, { onNotice, hashInBackground: true });
    expect(rebuilt.fromCache).toBe(false);
    expect(rebuilt.hashCheck).toBeUndefined();
    expect(notices).toEqual([`Rebuilding the cached build ${dir}: ${reason}`]);
  });

  it('throws BuildCacheError naming the folder to delete when rebuilding a damaged build fails on the file system', async () => {
    const { cache, dir, onNotice } = await builtCache();
    await truncate(join(dir, 'decoder.onnx_data'), 10);
    // A real file-system failure during the rebuild: a folder under a regular file (ENOTDIR).
    const failing = async (out: string): Promise<BuildRecord> => {
      await writeFile(join(out, 'decoder.onnx'), 'graph');
      await mkdir(join(out, 'decoder.onnx', 'sub'));
      return { graphs: { decode: 'decoder.onnx' }, info: {} };
    };
    const error = await cache.getOrBuild('model', failing, { onNotice }).catch((e: unknown) => e);
    expect(BuildCacheError.isInstance(error)).toBe(true);
    expect(PioError.isInstance(error) && error.code).toBe('PIO_BUILD_CACHE');
    expect((error as BuildCacheError).folder).toBe(dir);
    expect((error as Error).message).toContain(`Build cache folder ${dir}: the cached build was damaged`);
    expect((error as BuildCacheError).hint).toBe(`Delete the folder ${dir} and run again.`);
    expect((await readdir(cache.root)).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
  });

  it('keeps the build that is already in place when its own rename finds the target taken (never deletes a finished folder)', async () => {
    const other = await builtCache();
    const cache = new BuildCache(fresh('cache'));
    const theirs = join(cache.root, 'model');
    const build = async (dir: string): Promise<BuildRecord> => {
      // Another build lands while this one runs (as a process that took over a lock by mistake would).
      await cp(other.dir, theirs, { recursive: true });
      await writeFile(join(dir, 'decoder.onnx'), 'ours');
      return { graphs: { decode: 'decoder.onnx' }, info: { ours: true } };
    };
    const result = await cache.getOrBuild('model', build);
    expect(result.dir).toBe(theirs);
    expect(result.record.info).toEqual({ parameters: 1 });
    expect(await readFile(join(theirs, 'decoder.onnx'), 'utf8')).toBe('graph proto bytes');
    expect(await readdir(cache.root)).toEqual(['model']);
  });
});

describe('BuildCache leftovers of interrupted builds', () => {
  async function temporary(cache: BuildCache, name: string, owner?: Record<string, unknown>, ageMs = 0) {
    const folder = join(cache.root, name);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'decoder.onnx_data'), 'half written');
    if (owner) await writeFile(join(folder, '.pio-build-owner.json'), JSON.stringify(owner));
    if (ageMs > 0) {
      const then = new Date(Date.now() - ageMs);
      await utimes(folder, then, then);
    }
    return folder;
  }

  it('removes .tmp-* folders whose process is gone, or that have no owner and are old, and keeps the others', async () => {
    const { cache, model } = await builtCache();
    const me = { pid: process.pid, hostname: hostname(), startedAt: Date.now(), token: 'live' };
    await temporary(cache, '.tmp-a-dead', { ...me, pid: deadPid(), token: 'dead' });
    await temporary(cache, '.tmp-b-live', me);
    await temporary(cache, '.tmp-c-unowned-old', undefined, 60 * 60 * 1000);
    await temporary(cache, '.tmp-d-unowned-new');
    await temporary(cache, '.tmp-e-other-host', { ...me, hostname: `not-${hostname()}`, pid: deadPid() });
    // A cached start cleans up too, not only a build.
    const result = await cache.getOrBuild('model', model.build);
    expect(result.fromCache).toBe(true);
    expect((await readdir(cache.root)).sort()).toEqual([
      '.tmp-b-live',
      '.tmp-d-unowned-new',
      '.tmp-e-other-host',
      'model',
    ]);
  });

  it('records its pid in the temporary folder while building, and removes the folder of a build that failed', async () => {
    const cache = new BuildCache(fresh('cache'));
    let owner: Record<string, unknown> = {};
    const error = await cache
      .getOrBuild('model', async (dir) => {
        owner = JSON.parse(await readFile(join(dir, '.pio-build-owner.json'), 'utf8'));
        throw new Error('interrupted');
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('interrupted');
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(await readdir(cache.root)).toEqual([]);
  });

  it('takes over a lock whose process is gone, and builds', async () => {
    const cache = new BuildCache(fresh('cache'));
    await mkdir(cache.root, { recursive: true });
    const lock = { pid: deadPid(), hostname: hostname(), startedAt: Date.now(), token: 'stale' };
    await writeFile(join(cache.root, 'model.lock'), JSON.stringify(lock));
    const model = modelBuild();
    const result = await cache.getOrBuild('model', model.build, { pollMs: 10 });
    expect(result.fromCache).toBe(false);
    expect(model.calls()).toBe(1);
    expect(await readdir(cache.root)).toEqual(['model']);
  });

  it('takes over a lock left with our own pid by an earlier process (pid reuse in containers)', async () => {
    const cache = new BuildCache(fresh('cache'));
    await mkdir(cache.root, { recursive: true });
    const lock = { pid: process.pid, hostname: hostname(), startedAt: Date.now() - 3_600_000 * 24, token: 'old' };
    await writeFile(join(cache.root, 'model.lock'), JSON.stringify(lock));
    const result = await cache.getOrBuild('model', modelBuild().build, { pollMs: 10 });
    expect(result.fromCache).toBe(false);
  });
});

describe('BuildCache on a folder that cannot be written', () => {
  it('gives a BuildCacheError naming the folder and PIO_CACHE_DIR (ENOTDIR: the path runs through a regular file)', async () => {
    const file = fresh('a-file');
    await writeFile(file, 'not a folder');
    const cache = new BuildCache(join(file, 'builds'));
    const error = await cache.getOrBuild('model', modelBuild().build).catch((e: unknown) => e);
    expect(BuildCacheError.isInstance(error)).toBe(true);
    expect((error as BuildCacheError).code).toBe('PIO_BUILD_CACHE');
    expect((error as Error).message).toBe(
      `Build cache folder ${join(file, 'builds')}: cannot be written (ENOTDIR)\nSet PIO_CACHE_DIR to a writable folder (builds go to $PIO_CACHE_DIR/builds), or make this one writable.`,
    );
  });
});
