import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '../test/helpers.js';
import type { TensorToWrite } from './write-safetensors.js';
import { writeShardedSafetensors } from './write-sharded-safetensors.js';

function f32(count: number): TensorToWrite {
  return { dtype: 'F32', shape: [count], data: new Float32Array(count).fill(0.5) };
}

describe('writeShardedSafetensors', () => {
  it('splits in name order when the next tensor would overflow a shard, and writes the index', async () => {
    const dir = join(await temporaryFolder(), 'ckpt');
    // 40, 40, 24, 200 (alone: larger than the limit), 8 bytes with a 104-byte limit.
    const result = await writeShardedSafetensors(
      dir,
      { a: f32(10), b: f32(10), c: f32(6), d: f32(50), e: { dtype: 'BF16', shape: [2, 2], data: new Float32Array(4) } },
      { maxShardBytes: 104 },
    );
    const names = [
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
    ];
    expect(result).toEqual({
      files: names.map((name) => join(dir, name)),
      indexFile: join(dir, 'model.safetensors.index.json'),
      totalBytes: 40 + 40 + 24 + 200 + 8,
    });
    expect((await readdir(dir)).sort()).toEqual([...names, 'model.safetensors.index.json']);
    const index = await readFile(join(dir, 'model.safetensors.index.json'), 'utf8');
    expect(index).toBe(
      `${JSON.stringify(
        {
          metadata: { total_size: 312 },
          weight_map: { a: names[0], b: names[0], c: names[0], d: names[1], e: names[2] },
        },
        null,
        2,
      )}\n`,
    );
    const shard = await readFile(join(dir, names[0]!));
    expect(shard.subarray(8, 40).toString()).toBe('{"__metadata__":{"format":"pt"},');
  });

  it('writes one model.safetensors and no index when everything fits, as save_pretrained does', async () => {
    const dir = await temporaryFolder();
    const result = await writeShardedSafetensors(
      dir,
      { a: f32(4), b: f32(4) },
      { maxShardBytes: 1 << 20, metadata: {} },
    );
    expect(result).toEqual({ files: [join(dir, 'model.safetensors')], indexFile: undefined, totalBytes: 32 });
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('rejects a shard size that is not a positive integer', async () => {
    const dir = await temporaryFolder();
    await expect(writeShardedSafetensors(dir, { a: f32(1) }, { maxShardBytes: 0 })).rejects.toThrow(
      `Invalid weights in ${dir}: maxShardBytes must be a positive integer, got 0.`,
    );
  });
});
