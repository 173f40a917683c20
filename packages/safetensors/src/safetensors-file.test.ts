import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bitsOf, randomValues, sameBits, temporaryFolder } from '../test/helpers.js';
import { bfloat16ToFloat32, float32ToBfloat16 } from './bfloat16.js';
import { MissingTensorError } from './errors/missing-tensor-error.js';
import { TensorShapeError } from './errors/tensor-shape-error.js';
import { UnsupportedDtypeError } from './errors/unsupported-dtype-error.js';
import { WeightFileError } from './errors/weight-file-error.js';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';
import { SafetensorsFile } from './safetensors-file.js';
import { writeSafetensors } from './write-safetensors.js';

// Written by the Rust safetensors crate (see test/fixtures/generate-reference.py).
const reference = fileURLToPath(new URL('../test/fixtures/reference.safetensors', import.meta.url));
const arange = Float32Array.from({ length: 24 }, (_, i) => i / 8 - 1.5);

describe('SafetensorsFile reading a file written by the Rust safetensors crate', () => {
  it('lists tensors, their info and the metadata', async () => {
    await using file = await SafetensorsFile.open(reference);
    expect(file.tensorNames().sort()).toEqual([
      'lm_head.weight',
      'model.embed_tokens.weight',
      'model.norm.weight',
      'position_ids',
      'scalar',
    ]);
    expect(file.metadata).toEqual({ format: 'pt', source: 'safetensors-rust' });
    expect(file.info('lm_head.weight')).toEqual({ dtype: 'BF16', shape: [6, 4], byteLength: 48 });
    expect(file.info('position_ids')).toEqual({ dtype: 'I64', shape: [1, 5], byteLength: 40 });
    expect(file.info('scalar')).toEqual({ dtype: 'F32', shape: [], byteLength: 4 });
    expect(file.has('scalar')).toBe(true);
    expect(file.has('missing')).toBe(false);
  });

  it('reads F32, F16 and BF16 tensors as float32', async () => {
    await using file = await SafetensorsFile.open(reference);
    expect([...(await file.read('model.embed_tokens.weight'))]).toEqual([...arange]);
    expect([...(await file.read('lm_head.weight'))]).toEqual([...arange]);
    expect([...(await file.read('model.norm.weight'))]).toEqual([...arange.subarray(0, 6)]);
    expect([...(await file.read('scalar'))]).toEqual([3.25]);
  });

  it('reads raw bytes of any dtype into a buffer of their own', async () => {
    await using file = await SafetensorsFile.open(reference);
    const raw = await file.readRaw('position_ids');
    expect(raw.byteOffset).toBe(0);
    expect(raw.buffer.byteLength).toBe(40);
    expect([...new BigInt64Array(raw.buffer)]).toEqual([0n, 1n, 2n, 3n, 4n]);
  });

  it('refuses to convert an integer tensor to float32, saying what to do', async () => {
    await using file = await SafetensorsFile.open(reference);
    const error = await file.read('position_ids').catch((e: unknown) => e);
    expect(UnsupportedDtypeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PIO_WEIGHTS_UNSUPPORTED_DTYPE', tensor: 'position_ids', dtype: 'I64' });
    expect((error as Error).message).toBe(
      `Tensor "position_ids" in ${reference} has dtype I64, which cannot be read as float32 (supported: F32, F16, BF16).\n` +
        'Read it with readRaw() and decode the bytes, or re-export the checkpoint in F32, F16 or BF16.',
    );
  });
});

describe('SafetensorsFile round trips through writeSafetensors', () => {
  let dir: string;
  const values = randomValues(3 * 5 * 7, 42);
  beforeAll(async () => {
    dir = await temporaryFolder();
  });

  it('returns F32 values bit for bit', async () => {
    const path = join(dir, 'f32.safetensors');
    await writeSafetensors(path, { w: { dtype: 'F32', shape: [3, 5, 7], data: values } });
    await using file = await SafetensorsFile.open(path);
    expect(bitsOf(await file.read('w'))).toEqual(bitsOf(values));
  });

  it('returns F16 and BF16 values rounded once, to nearest even', async () => {
    const path = join(dir, 'halves.safetensors');
    await writeSafetensors(path, {
      f16: { dtype: 'F16', shape: [3, 5, 7], data: values },
      bf16: { dtype: 'BF16', shape: [3, 5, 7], data: values },
      odd: { dtype: 'BF16', shape: [3], data: values.subarray(0, 3) },
    });
    await using file = await SafetensorsFile.open(path);
    expect(bitsOf(await file.read('f16'))).toEqual(bitsOf(float16ToFloat32(float32ToFloat16(values))));
    expect(bitsOf(await file.read('bf16'))).toEqual(bitsOf(bfloat16ToFloat32(float32ToBfloat16(values))));
    expect(bitsOf(await file.read('odd'))).toEqual(bitsOf(bfloat16ToFloat32(float32ToBfloat16(values.subarray(0, 3)))));
    expect(new Uint16Array((await file.readRaw('bf16')).buffer)).toEqual(float32ToBfloat16(values));
  });

  it('keeps special values through every dtype', async () => {
    const specials = new Float32Array([1, -2.5, 65504, 2 ** -24, Number.POSITIVE_INFINITY, Number.NaN, -0]);
    const path = join(dir, 'specials.safetensors');
    await writeSafetensors(path, {
      f32: { dtype: 'F32', shape: [7], data: specials },
      f16: { dtype: 'F16', shape: [7], data: specials },
      bf16: { dtype: 'BF16', shape: [7], data: specials },
    });
    await using file = await SafetensorsFile.open(path);
    expect([...new Uint16Array((await file.readRaw('f16')).buffer)]).toEqual([
      0x3c00, 0xc100, 0x7bff, 0x0001, 0x7c00, 0x7e00, 0x8000,
    ]);
    expect([...new Uint16Array((await file.readRaw('bf16')).buffer)]).toEqual([
      0x3f80, 0xc020, 0x4780, 0x3380, 0x7f80, 0x7fc0, 0x8000,
    ]);
    expect([...(await file.read('f32'))]).toEqual([...specials]);
    expect([...(await file.read('f16'))]).toEqual([...specials]);
    expect([...(await file.read('bf16'))]).toEqual([
      1,
      -2.5,
      65536,
      2 ** -24,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      -0,
    ]);
  });

  it('reads tensors spanning several read chunks, the last one partial', async () => {
    const path = join(dir, 'chunks.safetensors');
    const count = 1_500_003; // 6 MB of F32, 3 MB of F16/BF16: not a whole number of 2 MiB chunks
    const data = randomValues(count, 5);
    await writeSafetensors(path, {
      f32: { dtype: 'F32', shape: [count], data },
      f16: { dtype: 'F16', shape: [count], data },
      bf16: { dtype: 'BF16', shape: [count], data },
    });
    await using file = await SafetensorsFile.open(path);
    expect(sameBits(await file.read('f32'), data)).toBe(true);
    expect(sameBits(await file.read('f16'), float16ToFloat32(float32ToFloat16(data)))).toBe(true);
    expect(sameBits(await file.read('bf16'), bfloat16ToFloat32(float32ToBfloat16(data)))).toBe(true);
    const raw = await file.readRaw('bf16');
    expect(Buffer.from(raw).equals(Buffer.from(float32ToBfloat16(data).buffer))).toBe(true);
  });

  it('serves concurrent reads of one file', async () => {
    const path = join(dir, 'concurrent.safetensors');
    const tensors = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [
        `t${i}`,
        { dtype: 'BF16' as const, shape: [700_001], data: randomValues(700_001, i + 20) },
      ]),
    );
    await writeSafetensors(path, tensors);
    await using file = await SafetensorsFile.open(path);
    const results = await Promise.all(Object.keys(tensors).map((name) => file.read(name)));
    for (const [i, values] of results.entries()) {
      expect(sameBits(values, bfloat16ToFloat32(float32ToBfloat16(tensors[`t${i}`]!.data)))).toBe(true);
    }
  });

  it('reads only the header on open and only the asked tensor on read', async () => {
    const path = join(dir, 'lazy.safetensors');
    const big = randomValues(256 * 1024, 3);
    await writeSafetensors(path, {
      a: { dtype: 'F32', shape: [256, 1024], data: big },
      b: { dtype: 'BF16', shape: [256, 1024], data: big },
      c: { dtype: 'F16', shape: [256, 1024], data: big },
    });
    await using file = await SafetensorsFile.open(path);
    const headerBytes = file.bytesRead;
    expect(headerBytes).toBeLessThan(300);
    await file.read('b');
    expect(file.bytesRead).toBe(headerBytes + 2 * 256 * 1024);
    expect(file.fileSize).toBe(headerBytes + (4 + 2 + 2) * 256 * 1024);
  });

  it('names similar tensors when one is missing', async () => {
    const path = join(dir, 'names.safetensors');
    const data = new Float32Array(1);
    await writeSafetensors(path, {
      'model.layers.0.mlp.up_proj.weight': { dtype: 'F32', shape: [1], data },
      'model.layers.0.mlp.down_proj.weight': { dtype: 'F32', shape: [1], data },
      'lm_head.weight': { dtype: 'F32', shape: [1], data },
    });
    await using file = await SafetensorsFile.open(path);
    const error = await file.read('model.layers.0.mlp.gate_proj.weight').catch((e: unknown) => e);
    expect(MissingTensorError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'PIO_WEIGHTS_MISSING_TENSOR',
      file: path,
      tensor: 'model.layers.0.mlp.gate_proj.weight',
      // Equally close, so in header order (sorted by the writer).
      similar: ['model.layers.0.mlp.down_proj.weight', 'model.layers.0.mlp.up_proj.weight'],
    });
    expect((error as Error).message).toContain(
      `Tensor "model.layers.0.mlp.gate_proj.weight" is not in ${path}. Tensors with a similar name: "model.layers.0.mlp.down_proj.weight", "model.layers.0.mlp.up_proj.weight".`,
    );
    expect(() => file.info('vision.patch_embed')).toThrow('None of its 3 tensors has a similar name.');
  });

  it('checks shapes against what config.json implies', async () => {
    const path = join(dir, 'shapes.safetensors');
    await writeSafetensors(path, { w: { dtype: 'F16', shape: [2, 3], data: new Float32Array(6) } });
    await using file = await SafetensorsFile.open(path);
    expect(file.expectShape('w', [2, 3])).toEqual({ dtype: 'F16', shape: [2, 3], byteLength: 12 });
    let error: unknown;
    try {
      file.expectShape('w', [3, 2]);
    } catch (e) {
      error = e;
    }
    expect(TensorShapeError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      `Tensor "w" in ${path} has shape [2, 3] but [3, 2] was expected: the checkpoint does not match its config.json.`,
    );
  });

  it('fails clearly after close, and close can be called twice', async () => {
    const path = join(dir, 'closed.safetensors');
    await writeSafetensors(path, { w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    const file = await SafetensorsFile.open(path);
    await file.close();
    await file.close();
    const error = await file.read('w').catch((e: unknown) => e);
    expect(WeightFileError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`Invalid weights in ${path}, tensor "w": the file was already closed.`);
    expect(file.info('w').shape).toEqual([2]);
  });

  it('fails clearly on a missing file and on a folder', async () => {
    const missing = join(dir, 'nope.safetensors');
    await expect(SafetensorsFile.open(missing)).rejects.toThrow(
      `Invalid weights in ${missing}: the file does not exist.\nCheck the path`,
    );
    await expect(SafetensorsFile.open(dir)).rejects.toThrow(
      `Invalid weights in ${dir}: it is a folder, not a regular file.`,
    );
  });
});
