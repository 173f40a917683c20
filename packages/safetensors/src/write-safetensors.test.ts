import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomValues, temporaryFolder } from '../test/helpers.js';
import type { FloatDtype } from './dtype.js';
import { UnsupportedDtypeError } from './errors/unsupported-dtype-error.js';
import { WeightFileError } from './errors/weight-file-error.js';
import { writeSafetensors } from './write-safetensors.js';

let dir: string;
beforeAll(async () => {
  dir = await temporaryFolder();
});

describe('writeSafetensors', () => {
  it('writes the same bytes as the Rust safetensors crate', async () => {
    // test/fixtures/layout.safetensors comes from safetensors.numpy.save_file.
    const small = Float32Array.from({ length: 6 }, (_, i) => i / 4 - 0.5);
    const path = join(dir, 'layout.safetensors');
    const size = await writeSafetensors(
      path,
      {
        d: { dtype: 'F16', shape: [1, 6], data: small },
        'b.weight': { dtype: 'F32', shape: [2, 3], data: small },
        c: { dtype: 'BF16', shape: [6], data: small },
        'a.bias': { dtype: 'F32', shape: [3], data: small.subarray(0, 3) },
      },
      { format: 'pt' },
    );
    const expected = await readFile(new URL('../test/fixtures/layout.safetensors', import.meta.url));
    const written = await readFile(path);
    expect(written.equals(expected)).toBe(true);
    expect(size).toBe(expected.length);
  });

  it('pads the header with spaces to a multiple of 8 and lays tensors out in name order', async () => {
    const path = join(dir, 'padded.safetensors');
    await writeSafetensors(path, {
      zeta: { dtype: 'BF16', shape: [3], data: new Float32Array([1, 2, 3]) },
      alpha: { dtype: 'F32', shape: [], data: new Float32Array([7]) },
    });
    const bytes = await readFile(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const json =
      '{"alpha":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"zeta":{"dtype":"BF16","shape":[3],"data_offsets":[4,10]}}';
    expect(headerLength % 8).toBe(0);
    expect(bytes.subarray(8, 8 + headerLength).toString('utf8')).toBe(json.padEnd(headerLength, ' '));
    expect(bytes.length).toBe(8 + headerLength + 10);
    expect([...bytes.subarray(8 + headerLength)]).toEqual([0x00, 0x00, 0xe0, 0x40, 0x80, 0x3f, 0x00, 0x40, 0x40, 0x40]);
  });

  it('is deterministic', async () => {
    const tensors = {
      w: { dtype: 'F16' as FloatDtype, shape: [64, 32], data: randomValues(64 * 32, 9) },
      b: { dtype: 'BF16' as FloatDtype, shape: [32], data: randomValues(32, 10) },
    };
    await writeSafetensors(join(dir, 'one.safetensors'), tensors, { format: 'pt' });
    await writeSafetensors(join(dir, 'two.safetensors'), tensors, { format: 'pt' });
    const [one, two] = await Promise.all([
      readFile(join(dir, 'one.safetensors')),
      readFile(join(dir, 'two.safetensors')),
    ]);
    expect(one.equals(two)).toBe(true);
  });

  it('rejects data that does not fit the shape, naming the tensor', async () => {
    const path = join(dir, 'bad-shape.safetensors');
    const error = await writeSafetensors(path, { w: { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) } }).catch(
      (e: unknown) => e,
    );
    expect(WeightFileError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      `Invalid weights in ${path}, tensor "w": cannot write it: shape [2, 3] has 6 elements but the data has 5 values.\nFix the tensors passed to the writer.`,
    );
    await expect(
      writeSafetensors(path, { w: { dtype: 'F32', shape: [-2], data: new Float32Array(0) } }),
    ).rejects.toThrow('cannot write shape [-2]: it must be a list of non-negative integers.');
    await expect(
      writeSafetensors(path, { __metadata__: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }),
    ).rejects.toThrow('"__metadata__" is reserved');
  });

  it('rejects a dtype it cannot write', async () => {
    const path = join(dir, 'bad-dtype.safetensors');
    const tensors = { ids: { dtype: 'I64' as FloatDtype, shape: [1], data: new Float32Array(1) } };
    const error = await writeSafetensors(path, tensors).catch((e: unknown) => e);
    expect(UnsupportedDtypeError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('has dtype I64, which cannot be written from float32');
  });

  it('reports a folder that does not exist and leaves no partial file behind', async () => {
    const path = join(dir, 'missing-folder', 'w.safetensors');
    await expect(
      writeSafetensors(path, { w: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }),
    ).rejects.toThrow(`Invalid weights in ${path}: it cannot be created (ENOENT`);
    expect((await readdir(dir)).filter((name) => name.includes('.partial-'))).toEqual([]);
  });
});
