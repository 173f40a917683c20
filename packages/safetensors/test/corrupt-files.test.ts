import { copyFile, open, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  openCheckpointWeights,
  SafetensorsFile,
  WeightFileError,
  writeSafetensors,
  writeShardedSafetensors,
} from '../src/index.js';
import { randomValues, temporaryFolder, writeRawSafetensors } from './helpers.js';

const hint = 'Re-download the checkpoint, or re-export it with save_pretrained(..., safe_serialization=True).';

let dir: string;
let good: string;
let goodSize: number;
let headerLength: number;

beforeAll(async () => {
  dir = await temporaryFolder();
  good = join(dir, 'good.safetensors');
  goodSize = await writeSafetensors(
    good,
    {
      'model.embed_tokens.weight': { dtype: 'BF16', shape: [16, 8], data: randomValues(128, 1) },
      'model.norm.weight': { dtype: 'F32', shape: [8], data: randomValues(8, 2) },
    },
    { format: 'pt' },
  );
  headerLength = Number((await readFile(good)).readBigUInt64LE(0));
});

/** A copy of the good file, changed by `damage`. */
async function damaged(name: string, damage: (path: string) => Promise<void>): Promise<string> {
  const path = join(dir, name);
  await copyFile(good, path);
  await damage(path);
  return path;
}

async function openError(path: string): Promise<WeightFileError> {
  const error = await SafetensorsFile.open(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(WeightFileError.isInstance(error), String(error)).toBe(true);
  const weightError = error as WeightFileError;
  expect(weightError.code).toBe('PIO_WEIGHTS_INVALID');
  expect(weightError.file).toBe(path);
  expect(weightError.message.endsWith(`\n${hint}`)).toBe(true);
  return weightError;
}

describe('damaged safetensors files', () => {
  it('detects a file truncated by a few bytes, naming the last tensor', async () => {
    const path = await damaged('short.safetensors', (p) => truncate(p, goodSize - 3));
    const error = await openError(path);
    expect(error.tensor).toBe('model.norm.weight');
    expect(error.message).toBe(
      `Invalid weights in ${path}, tensor "model.norm.weight": its data ends at byte ${goodSize} of the file, but the file has only ${goodSize - 3} bytes: the file is truncated (or its offsets are wrong).\n${hint}`,
    );
  });

  it('detects a file truncated inside its header', async () => {
    const path = await damaged('cut-header.safetensors', (p) => truncate(p, 40));
    expect((await openError(path)).message).toBe(
      `Invalid weights in ${path}: the header length field says ${headerLength} bytes, but only 32 bytes follow it: the file is truncated (or its header length is corrupt).\n${hint}`,
    );
  });

  it('detects a file truncated to less than 8 bytes, or empty', async () => {
    const path = await damaged('stub.safetensors', (p) => truncate(p, 5));
    expect((await openError(path)).message).toContain(
      'the file is 5 bytes long, too short for the 8-byte header length',
    );
    const empty = await damaged('empty.safetensors', (p) => truncate(p, 0));
    expect((await openError(empty)).message).toContain('the file is 0 bytes long');
  });

  it('detects a corrupt header length', async () => {
    const overwriteLength = (value: bigint) => async (path: string) => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64LE(value);
      const handle = await open(path, 'r+');
      await handle.write(bytes, 0, 8, 0);
      await handle.close();
    };
    const huge = await damaged('huge-length.safetensors', overwriteLength(0x4141414141414141n));
    expect((await openError(huge)).message).toContain(
      'the header length field holds 4702111234474983745, not a plausible header size (1 to 100000000 bytes): the file is corrupt or not a safetensors file.',
    );
    const past = await damaged('past-end.safetensors', overwriteLength(BigInt(goodSize)));
    expect((await openError(past)).message).toContain(
      `the header length field says ${goodSize} bytes, but only ${goodSize - 8} bytes follow it`,
    );
    const shorter = await damaged('short-length.safetensors', overwriteLength(BigInt(headerLength - 8)));
    expect((await openError(shorter)).message).toMatch(
      /its \d+-byte header is not valid UTF-8 JSON \(.+\): the file is corrupt\./,
    );
  });

  it('detects offsets past the end of the data', async () => {
    const path = join(dir, 'offsets.safetensors');
    await writeRawSafetensors(
      path,
      { w: { dtype: 'F32', shape: [4], data_offsets: [1000, 1016] } },
      new Uint8Array(16),
    );
    const error = await openError(path);
    expect(error.tensor).toBe('w');
    expect(error.message).toContain('its data ends at byte');
    expect(error.message).toContain('the file is truncated (or its offsets are wrong).');
  });

  it('detects an unknown dtype', async () => {
    const path = join(dir, 'q9.safetensors');
    await writeRawSafetensors(path, { w: { dtype: 'Q9', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2));
    const error = await openError(path);
    expect(error.tensor).toBe('w');
    expect(error.message).toBe(
      `Invalid weights in ${path}, tensor "w": unknown dtype "Q9" (known: BOOL, U8, I8, F8_E4M3, F8_E5M2, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64).\n${hint}`,
    );
  });

  it('detects overlapping tensors and a size that disagrees with the shape', async () => {
    const overlap = join(dir, 'overlap.safetensors');
    await writeRawSafetensors(
      overlap,
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F16', shape: [4], data_offsets: [4, 12] },
      },
      new Uint8Array(12),
    );
    expect((await openError(overlap)).message).toContain('tensor "b": its data [4, 12] overlaps tensor "a" [0, 8].');
    const size = join(dir, 'size.safetensors');
    await writeRawSafetensors(size, { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
    expect((await openError(size)).message).toContain('span 8 bytes, but shape [3] of F32 needs 12 bytes.');
  });

  it('detects a header that is not JSON', async () => {
    const path = join(dir, 'garbage.safetensors');
    await writeRawSafetensors(path, 'PK\u0003\u0004 this is a zip file', new Uint8Array(4));
    expect((await openError(path)).message).toContain('header is not valid UTF-8 JSON');
  });

  it('detects a file that shrank after it was opened', async () => {
    const path = await damaged('shrinks.safetensors', async () => {});
    await using file = await SafetensorsFile.open(path);
    await truncate(path, goodSize - 16);
    const error = await file.read('model.norm.weight').catch((e: unknown) => e);
    expect(WeightFileError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      `Invalid weights in ${path}, tensor "model.norm.weight": the file ended at byte ${goodSize - 16} while 32 bytes from byte ${goodSize - 32} were being read: it was truncated or replaced while open.`,
    );
  });

  it('reports a truncated shard of a sharded checkpoint when it is first used', async () => {
    const ckpt = join(dir, 'sharded');
    const { files } = await writeShardedSafetensors(
      ckpt,
      {
        a: { dtype: 'F32', shape: [64], data: randomValues(64, 3) },
        b: { dtype: 'F32', shape: [64], data: randomValues(64, 4) },
      },
      { maxShardBytes: 256 },
    );
    await truncate(files[1]!, 100);
    await using store = await openCheckpointWeights(ckpt);
    expect((await store.read('a')).length).toBe(64);
    const error = await store.read('b').catch((e: unknown) => e);
    expect(WeightFileError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ file: files[1], tensor: 'b' });
    expect((error as Error).message).toContain('the file is truncated');
  });

  it('keeps good files readable next to damaged ones', async () => {
    await writeFile(join(dir, 'unrelated.txt'), 'x');
    await using file = await SafetensorsFile.open(good);
    expect((await file.read('model.embed_tokens.weight')).length).toBe(128);
  });
});
