import {
  copyFile,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir } from '@pio/core';
import { writeSafetensors } from '@pio/safetensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildCache, type BuildRecord, checkpointBuildKey } from './build-cache.js';

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-build-cache-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const fresh = (name: string) => join(root, `${name}-${count++}`);

/** A build that writes one graph file and counts its calls. */
function countingBuild(contents = 'graph bytes') {
  const calls: string[] = [];
  const build = async (dir: string): Promise<BuildRecord> => {
    calls.push(dir);
    await writeFile(join(dir, 'decoder.onnx'), contents);
    return { graphs: { decode: 'decoder.onnx' }, info: { parameters: 42 } };
  };
  return { build, calls };
}

describe('BuildCache.getOrBuild', () => {
  it('builds once into a temporary folder, then reuses the finished build', async () => {
    const cache = new BuildCache(fresh('cache'));
    const { build, calls } = countingBuild();
    const first = await cache.getOrBuild('key-a', build);
    expect(first.fromCache).toBe(false);
    expect(first.dir).toBe(join(cache.root, 'key-a'));
    expect(first.record).toEqual({
      graphs: { decode: 'decoder.onnx' },
      info: { parameters: 42 },
      files: { 'decoder.onnx': { size: 11, xxh3: expect.stringMatching(/^[0-9a-f]{16}$/) } },
    });
    // The build ran elsewhere and was renamed into place.
    expect(calls).toHaveLength(1);
    expect(calls[0]).not.toBe(first.dir);
    expect(calls[0]!.startsWith(join(cache.root, '.tmp-key-a-'))).toBe(true);
    expect(await readFile(join(first.dir, 'decoder.onnx'), 'utf8')).toBe('graph bytes');
    expect(JSON.parse(await readFile(join(first.dir, 'build.json'), 'utf8'))).toEqual(first.record);

    const second = await cache.getOrBuild('key-a', build);
    expect(second).toEqual({ dir: first.dir, record: first.record, fromCache: true });
    expect(calls).toHaveLength(1);
    expect(await readdir(cache.root)).toEqual(['key-a']);
  });

  it('keeps builds of different keys apart', async () => {
    const cache = new BuildCache(fresh('cache'));
    await cache.getOrBuild('int4', countingBuild('four').build);
    await cache.getOrBuild('int8', countingBuild('eight').build);
    expect((await readdir(cache.root)).sort()).toEqual(['int4', 'int8']);
    expect(await readFile(join(cache.root, 'int8', 'decoder.onnx'), 'utf8')).toBe('eight');
  });

  it('removes the temporary folder when the build fails, rethrows, and builds afresh next time', async () => {
    const cache = new BuildCache(fresh('cache'));
    const failure = new Error('the weights do not match');
    let temporary = '';
    const error = await cache
      .getOrBuild('key-b', async (dir) => {
        temporary = dir;
        await writeFile(join(dir, 'decoder.onnx'), 'half written');
        throw failure;
      })
      .catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(temporary).not.toBe('');
    expect(await readdir(cache.root)).toEqual([]);

    const { build, calls } = countingBuild();
    const retried = await cache.getOrBuild('key-b', build);
    expect(retried.fromCache).toBe(false);
    expect(calls).toHaveLength(1);
    expect(await readdir(cache.root)).toEqual(['key-b']);
  });

  it('does not trust a folder without build.json (a build cut short): it rebuilds over it', async () => {
    const cache = new BuildCache(fresh('cache'));
    await mkdir(join(cache.root, 'key-c'), { recursive: true });
    await writeFile(join(cache.root, 'key-c', 'decoder.onnx'), 'stale');
    const { build, calls } = countingBuild('new');
    const notices: string[] = [];
    const result = await cache.getOrBuild('key-c', build, { onNotice: (message) => notices.push(message) });
    expect(notices).toEqual([
      `Rebuilding the cached build ${join(cache.root, 'key-c')}: there is no build.json (a build cut short)`,
    ]);
    expect(result.fromCache).toBe(false);
    expect(calls).toHaveLength(1);
    expect(await readFile(join(result.dir, 'decoder.onnx'), 'utf8')).toBe('new');
  });

  it('defaults to $PIO_CACHE_DIR/builds', () => {
    const saved = process.env.PIO_CACHE_DIR;
    process.env.PIO_CACHE_DIR = '/somewhere/pio-cache';
    try {
      expect(defaultCacheDir()).toBe('/somewhere/pio-cache');
      expect(new BuildCache().root).toBe(join('/somewhere/pio-cache', 'builds'));
    } finally {
      if (saved === undefined) delete process.env.PIO_CACHE_DIR;
      else process.env.PIO_CACHE_DIR = saved;
    }
  });
});

describe('checkpointBuildKey', () => {
  const options = { version: 'llama-1', dtype: 'int4', plugin: '@pio/model-llama' };

  async function checkpoint(): Promise<string> {
    const dir = fresh('checkpoint');
    await mkdir(dir);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ hidden_size: 64, intermediate_size: 128 }));
    await writeFile(join(dir, 'tokenizer.json'), '{}');
    await writeSafetensors(join(dir, 'model.safetensors'), {
      'model.norm.weight': { dtype: 'F32', shape: [4], data: new Float32Array([1, 2, 3, 4]) },
    });
    await pinTime(dir);
    return dir;
  }

  /** Gives the weight file a fixed modification time, so rewriting it in a test changes only what the test changes. */
  async function pinTime(dir: string): Promise<void> {
    await utimes(join(dir, 'model.safetensors'), 1_700_000_000, 1_700_000_000);
  }

  it('is a stable 32-hex-digit key for the same checkpoint and options', async () => {
    const dir = await checkpoint();
    const key = await checkpointBuildKey(dir, options);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(await checkpointBuildKey(dir, { ...options })).toBe(key);
  });

  it('changes with the build options (dtype, build version, plugin)', async () => {
    const dir = await checkpoint();
    const key = await checkpointBuildKey(dir, options);
    const others = await Promise.all([
      checkpointBuildKey(dir, { ...options, dtype: 'int8' }),
      checkpointBuildKey(dir, { ...options, version: 'llama-2' }),
      checkpointBuildKey(dir, { ...options, plugin: '@pio/model-qwen3' }),
    ]);
    expect(new Set([key, ...others]).size).toBe(4);
  });

  it('changes with config.json but not with files outside the build (tokenizer.json)', async () => {
    const dir = await checkpoint();
    const key = await checkpointBuildKey(dir, options);
    await writeFile(join(dir, 'tokenizer.json'), '{"changed": true}');
    expect(await checkpointBuildKey(dir, options)).toBe(key);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ hidden_size: 64, intermediate_size: 96 }));
    expect(await checkpointBuildKey(dir, options)).not.toBe(key);
  });

  it("changes with a weight file's header (tensor names, shapes), and with its size and mtime", async () => {
    const dir = await checkpoint();
    const key = await checkpointBuildKey(dir, options);
    // Another shape in the header.
    await writeSafetensors(join(dir, 'model.safetensors'), {
      'model.norm.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
    });
    await pinTime(dir);
    const reshaped = await checkpointBuildKey(dir, options);
    expect(reshaped).not.toBe(key);
    // Same header, but the file was rewritten (new mtime): the values may differ, so the key does.
    await utimes(join(dir, 'model.safetensors'), 1_800_000_000, 1_800_000_000);
    expect(await checkpointBuildKey(dir, options)).not.toBe(reshaped);
  });

  it('changes when tensor bytes are rewritten in place with size, header and mtime kept (ctime, inode)', async () => {
    const dir = await checkpoint();
    const file = join(dir, 'model.safetensors');
    const key = await checkpointBuildKey(dir, options);
    const before = await stat(file);
    // Overwrite the last float of model.norm.weight in place, then put the mtime back as it was.
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from(new Float32Array([5]).buffer), 0, 4, before.size - 4);
    await handle.close();
    await utimes(file, before.atime, before.mtime);
    const after = await stat(file);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    expect(await checkpointBuildKey(dir, options)).not.toBe(key);
  });

  it('changes when a weight file is replaced by a copy with the same size, header and mtime (inode)', async () => {
    const dir = await checkpoint();
    const file = join(dir, 'model.safetensors');
    const key = await checkpointBuildKey(dir, options);
    const before = await stat(file);
    await copyFile(file, `${file}.copy`);
    await rename(`${file}.copy`, file);
    await utimes(file, before.atime, before.mtime);
    expect((await stat(file)).ino).not.toBe(before.ino);
    expect(await checkpointBuildKey(dir, options)).not.toBe(key);
  });

  it('covers every weight file of a sharded checkpoint and its index', async () => {
    const dir = fresh('sharded');
    await mkdir(dir);
    await writeFile(join(dir, 'config.json'), '{}');
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: {} }));
    const tensor = { dtype: 'F32' as const, shape: [1], data: new Float32Array([1]) };
    await writeSafetensors(join(dir, 'model-00001-of-00002.safetensors'), { a: tensor });
    await writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), { b: tensor });
    const key = await checkpointBuildKey(dir, options);
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'x' } }));
    const reindexed = await checkpointBuildKey(dir, options);
    expect(reindexed).not.toBe(key);
    await writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), { c: tensor });
    expect(await checkpointBuildKey(dir, options)).not.toBe(reindexed);
  });

  it('covers the files of an onnx/ folder (name, size, mtime), for exported graphs', async () => {
    const dir = fresh('onnx-folder');
    await mkdir(join(dir, 'onnx'), { recursive: true });
    await writeFile(join(dir, 'config.json'), '{}');
    await writeFile(join(dir, 'onnx', 'model.onnx'), 'graph');
    await utimes(join(dir, 'onnx', 'model.onnx'), 1_700_000_000, 1_700_000_000);
    const key = await checkpointBuildKey(dir, options);
    expect(await checkpointBuildKey(dir, options)).toBe(key);
    await writeFile(join(dir, 'onnx', 'model_q4.onnx'), 'another variant');
    const added = await checkpointBuildKey(dir, options);
    expect(added).not.toBe(key);
    await utimes(join(dir, 'onnx', 'model.onnx'), 1_800_000_000, 1_800_000_000);
    expect(await checkpointBuildKey(dir, options)).not.toBe(added);
  });
});
