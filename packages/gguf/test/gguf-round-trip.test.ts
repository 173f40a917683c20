import { mkdtemp, open, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufFileError, GgufValueType, gguf, quantizeQ4_0, readGgufHeader, writeGgufFile } from '../src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'pio-gguf-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const weights = new Float32Array(4 * 64).map((_, i) => Math.sin(i));

async function writeSample(file: string) {
  return writeGgufFile(file, {
    metadata: {
      'general.architecture': gguf.string('llama'),
      'llama.block_count': gguf.uint32(2),
      'llama.rope.freq_base': gguf.float32(10000),
      'tokenizer.ggml.tokens': gguf.strings(['a', 'b', 'ünï', '']),
      'tokenizer.ggml.token_type': gguf.int32s([1, 1, 3, 5]),
      'general.size': gguf.uint64(123n),
      'general.flag': gguf.bool(true),
    },
    tensors: [
      { name: 'w.f32', type: 'F32', shape: [4, 64], data: () => new Uint8Array(weights.buffer) },
      { name: 'w.q4', type: 'Q4_0', shape: [4, 64], data: () => quantizeQ4_0(weights) },
      { name: 'norm', type: 'F32', shape: [3], data: () => new Uint8Array(new Float32Array([1, 2, 3]).buffer) },
    ],
  });
}

describe('writeGgufFile + readGgufHeader', () => {
  it('round-trips metadata of every kind and tensor layouts at aligned offsets', async () => {
    const file = join(dir, 'sample.gguf');
    const written = await writeSample(file);
    const header = await readGgufHeader(file);
    expect(header.version).toBe(3);
    expect(header.alignment).toBe(32);
    expect(header.dataOffset).toBe(written.dataOffset);
    expect(header.dataOffset % 32).toBe(0);
    expect(header.metadata.get('general.architecture')).toEqual({ type: GgufValueType.STRING, value: 'llama' });
    expect(header.metadata.get('llama.block_count')?.value).toBe(2);
    expect(header.metadata.get('general.size')?.value).toBe(123n);
    expect(header.metadata.get('general.flag')?.value).toBe(true);
    expect(header.metadata.get('tokenizer.ggml.tokens')?.value).toEqual(['a', 'b', 'ünï', '']);
    expect(header.metadata.get('tokenizer.ggml.token_type')?.value).toEqual([1, 1, 3, 5]);
    expect(header.tensors.map((t) => [t.name, t.type, t.shape, t.byteLength])).toEqual([
      ['w.f32', 'F32', [4, 64], 1024],
      ['w.q4', 'Q4_0', [4, 64], 4 * 2 * 18],
      ['norm', 'F32', [3], 12],
    ]);
    for (const tensor of header.tensors) expect((tensor.offset - header.dataOffset) % 32).toBe(0);
    const handle = await open(file, 'r');
    const back = new Float32Array(3);
    await handle.read(new Uint8Array(back.buffer), 0, 12, header.tensors[2]!.offset);
    await handle.close();
    expect([...back]).toEqual([1, 2, 3]);
    expect((await stat(file)).size).toBe(written.bytes);
  });

  it('refuses a tensor whose bytes do not fit its type and shape', async () => {
    const error = await writeGgufFile(join(dir, 'bad.gguf'), {
      metadata: {},
      tensors: [{ name: 'x', type: 'F32', shape: [2, 2], data: () => new Uint8Array(12) }],
    }).catch((e: unknown) => e);
    expect(GgufFileError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('"x"');
  });

  it('names the tensor when the file is truncated, and refuses files that are not GGUF', async () => {
    const file = join(dir, 'cut.gguf');
    const written = await writeSample(file);
    await truncate(file, written.bytes - 4);
    const error = await readGgufHeader(file).catch((e: unknown) => e);
    expect(GgufFileError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/"norm".*truncated/);

    const notGguf = join(dir, 'x.gguf');
    await writeFile(notGguf, 'hello world, not a model');
    await expect(readGgufHeader(notGguf)).rejects.toThrow(/magic/);
    await truncate(file, 20);
    await expect(readGgufHeader(file)).rejects.toThrow(/truncated/);
  });
});
