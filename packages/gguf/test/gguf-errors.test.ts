import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufFile, GgufFileError, gguf, writeGgufFile } from '../src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'pio-gguf-errors-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function sample(name: string): Promise<string> {
  const file = join(dir, name);
  await writeGgufFile(file, {
    metadata: { 'general.architecture': gguf.string('llama'), 'llama.block_count': gguf.uint32(2) },
    tensors: [
      { name: 'first', type: 'F32', shape: [8], data: () => new Uint8Array(32) },
      { name: 'second', type: 'F32', shape: [4, 8], data: () => new Uint8Array(128) },
    ],
  });
  return file;
}

/** Byte position of a tensor info's type field (after its name, dimension count and dimensions). */
function tensorInfoAt(bytes: Uint8Array, name: string): { type: number; offset: number } {
  const needle = new TextEncoder().encode(name);
  for (let i = 8; i < bytes.length; i++) {
    if (needle.every((b, j) => bytes[i + j] === b) && bytes[i - 8] === needle.length) {
      const dims = new DataView(bytes.buffer).getUint32(i + needle.length, true);
      const type = i + needle.length + 4 + 8 * dims;
      return { type, offset: type + 4 };
    }
  }
  throw new Error(`no tensor info ${name}`);
}

async function failure(promise: Promise<unknown>): Promise<GgufFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!GgufFileError.isInstance(error)) throw new Error(`expected a GgufFileError, got ${String(error)}`);
  return error;
}

describe('GgufFileError kinds name the file, the tensor or key, and what to do', () => {
  it('truncated: a header cut short', async () => {
    const file = await sample('truncated.gguf');
    await truncate(file, 40);
    const error = await failure(GgufFile.open(file));
    expect(error.kind).toBe('truncated');
    expect(error.file).toBe(file);
    expect(error.message).toMatch(/truncated\.gguf.*header runs past the end/s);
    expect(error.hint).toMatch(/Download the file again/);
  });

  it('tensor-out-of-bounds: a tensor whose data runs past the end of the file', async () => {
    const file = await sample('short.gguf');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 8));
    const error = await failure(GgufFile.open(file));
    expect(error.kind).toBe('tensor-out-of-bounds');
    expect(error.entry).toBe('second');
    expect(error.message).toMatch(/"second".*runs past the end of the file/);
  });

  it('misaligned: a data offset that is not a multiple of general.alignment', async () => {
    const file = await sample('misaligned.gguf');
    const bytes = new Uint8Array(await readFile(file));
    new DataView(bytes.buffer).setBigUint64(tensorInfoAt(bytes, 'second').offset, 36n, true);
    await writeFile(file, bytes);
    const error = await failure(GgufFile.open(file));
    expect(error.kind).toBe('misaligned');
    expect(error.entry).toBe('second');
    expect(error.message).toMatch(/offset 36 is not a multiple of the alignment 32/);
  });

  it('unknown-tensor-type: a ggml type PIO does not read', async () => {
    const file = await sample('iq.gguf');
    const bytes = new Uint8Array(await readFile(file));
    new DataView(bytes.buffer).setUint32(tensorInfoAt(bytes, 'first').type, 19, true); // IQ1_S
    await writeFile(file, bytes);
    const error = await failure(GgufFile.open(file));
    expect(error.kind).toBe('unknown-tensor-type');
    expect(error.entry).toBe('first');
    expect(error.message).toMatch(/tensor type 19/);
    expect(error.hint).toMatch(/Q4_K_M/);
  });

  it('metadata-type and missing-metadata: the key, the type asked for and the type found', async () => {
    const file = await sample('types.gguf');
    const gg = await GgufFile.open(file);
    try {
      const wrong = (() => {
        try {
          gg.metadata.getString('llama.block_count');
        } catch (e) {
          return e as GgufFileError;
        }
      })()!;
      expect(GgufFileError.isInstance(wrong)).toBe(true);
      expect(wrong.kind).toBe('metadata-type');
      expect(wrong.entry).toBe('llama.block_count');
      expect(wrong.message).toMatch(/types\.gguf, "llama\.block_count": expected a string, found uint32/);
      expect(() => gg.metadata.getNumber('general.architecture')).toThrow(/expected a number, found string/);
      expect(() => gg.metadata.getNumber('llama.context_length')).toThrow(/"llama\.context_length".*missing/);
      expect(() => gg.tensor('output.weight')).toThrow(/"output\.weight": no tensor of that name/);
    } finally {
      await gg.close();
    }
  });

  it('not-gguf and version: other files and GGUF v1', async () => {
    const other = join(dir, 'x.gguf');
    await writeFile(other, 'hello world, not a model at all');
    expect((await failure(GgufFile.open(other))).kind).toBe('not-gguf');
    const v1 = await sample('v1.gguf');
    const bytes = new Uint8Array(await readFile(v1));
    bytes[4] = 1;
    await writeFile(v1, bytes);
    expect((await failure(GgufFile.open(v1))).kind).toBe('version');
    expect((await failure(GgufFile.open(join(dir, 'absent.gguf')))).kind).toBe('io');
  });
});
