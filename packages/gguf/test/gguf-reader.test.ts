import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GgufFile,
  GgufFileError,
  GgufValueType,
  gguf,
  ggufSplitPaths,
  ggufTypeSummary,
  quantizeQ4_K,
  quantizeQ6_K,
  quantizeQ8_0,
  writeGgufFile,
} from '../src/index.js';
import { dequantizeQ4_K } from '../src/quantize/q4-k.js';
import { dequantizeQ6_K } from '../src/quantize/q6-k.js';

const dir = await mkdtemp(join(tmpdir(), 'pio-gguf-reader-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const values = Float32Array.from({ length: 2 * 256 }, (_, i) => Math.sin(i * 0.37) * 2);
const bytesOf = (array: Float32Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

const everyType = {
  'v.u8': gguf.uint8(250),
  'v.i8': gguf.int8(-5),
  'v.u16': gguf.uint16(65000),
  'v.i16': gguf.int16(-30000),
  'v.u32': gguf.uint32(4_000_000_000),
  'v.i32': gguf.int32(-2_000_000_000),
  'v.f32': gguf.float32(0.5),
  'v.bool': gguf.bool(false),
  'v.str': gguf.string('héllo 🌍'),
  'v.u64': gguf.uint64(2n ** 40n),
  'v.i64': gguf.int64(-(2n ** 40n)),
  'v.f64': gguf.float64(Math.PI),
  'v.nested': gguf.array(GgufValueType.ARRAY, [
    gguf.array(GgufValueType.INT32, [1, 2, 3]),
    gguf.array(GgufValueType.STRING, ['a', 'b']),
    gguf.array(GgufValueType.ARRAY, [gguf.array(GgufValueType.UINT8, [7])]),
  ]),
  'v.u16s': gguf.array(GgufValueType.UINT16, [1, 2]),
};

describe('GgufFile', () => {
  it.each([2, 3] as const)(
    'reads version %i: metadata of every type with nested arrays, typed getters',
    async (version) => {
      const file = join(dir, `all-types-v${version}.gguf`);
      await writeGgufFile(file, {
        version,
        metadata: { 'general.architecture': gguf.string('llama'), ...everyType },
        tensors: [{ name: 'w', type: 'F32', shape: [2, 256], data: () => bytesOf(values) }],
      });
      const gg = await GgufFile.open(file);
      try {
        expect(gg.version).toBe(version);
        const m = gg.metadata;
        expect(m.getString('general.architecture')).toBe('llama');
        expect(m.getNumber('v.u8')).toBe(250);
        expect(m.getNumber('v.i8')).toBe(-5);
        expect(m.getNumber('v.u16')).toBe(65000);
        expect(m.getNumber('v.i16')).toBe(-30000);
        expect(m.getInteger('v.u32')).toBe(4_000_000_000);
        expect(m.getNumber('v.i32')).toBe(-2_000_000_000);
        expect(m.getNumber('v.f32')).toBe(0.5);
        expect(m.getBoolean('v.bool')).toBe(false);
        expect(m.getString('v.str')).toBe('héllo 🌍');
        expect(m.getNumber('v.u64')).toBe(2 ** 40);
        expect(m.getNumber('v.i64')).toBe(-(2 ** 40));
        expect(m.getNumber('v.f64')).toBe(Math.PI);
        expect(m.getNumberArray('v.u16s')).toEqual([1, 2]);
        expect(m.get('v.nested')).toEqual(everyType['v.nested']);
        expect(m.findString('absent')).toBeUndefined();
        expect([...(await gg.readTensorFloat32('w'))]).toEqual([...values]);
      } finally {
        await gg.close();
      }
    },
  );

  it('honours general.alignment and reads one tensor at a time at its offset, raw or dequantized', async () => {
    const file = join(dir, 'aligned.gguf');
    await writeGgufFile(file, {
      alignment: 64,
      metadata: { 'general.architecture': gguf.string('llama') },
      tensors: [
        { name: 'norm', type: 'F32', shape: [3], data: () => bytesOf(new Float32Array([1, 2, 3])) },
        { name: 'q8', type: 'Q8_0', shape: [2, 256], data: () => quantizeQ8_0(values) },
        { name: 'q4k', type: 'Q4_K', shape: [2, 256], data: () => quantizeQ4_K(values) },
        { name: 'q6k', type: 'Q6_K', shape: [2, 256], data: () => quantizeQ6_K(values) },
      ],
    });
    const gg = await GgufFile.open(file);
    try {
      expect(gg.headers[0]!.alignment).toBe(64);
      for (const t of gg.tensors) expect((t.offset - gg.headers[0]!.dataOffset) % 64).toBe(0);
      const raw = await gg.readTensorBytes('q4k');
      expect(raw.type).toBe('Q4_K');
      expect(raw.shape).toEqual([2, 256]);
      expect(raw.bytes).toEqual(quantizeQ4_K(values));
      expect(await gg.readTensorFloat32('q4k')).toEqual(dequantizeQ4_K(quantizeQ4_K(values)));
      expect(await gg.readTensorFloat32('q6k')).toEqual(dequantizeQ6_K(quantizeQ6_K(values)));
      expect([...(await gg.readTensorFloat32('norm'))]).toEqual([1, 2, 3]);
      expect(gg.has('q8')).toBe(true);
      const summary = ggufTypeSummary(gg.tensors);
      expect(summary.map((entry) => [entry.type, entry.tensors, entry.parameters, entry.bytes])).toEqual(
        [
          ['Q6_K', 1, 512, 420],
          ['Q8_0', 1, 512, 544],
          ['Q4_K', 1, 512, 288],
          ['F32', 1, 3, 12],
        ].sort((a, b) => (b[3] as number) - (a[3] as number)),
      );
      expect(summary.reduce((sum, entry) => sum + entry.share, 0)).toBeCloseTo(1);
    } finally {
      await gg.close();
    }
  });

  it('reads one slice of a stacked 3-D tensor (one expert of ffn_*_exps) by a positioned read of its bytes', async () => {
    const file = join(dir, 'stacked.gguf');
    // 3 experts of [2, 256]: the shape is outermost first, experts outermost, as llama.cpp stacks them.
    const stack = Float32Array.from({ length: 3 * 2 * 256 }, (_, i) => Math.cos(i * 0.11) * 3);
    await writeGgufFile(file, {
      metadata: { 'general.architecture': gguf.string('qwen3moe') },
      tensors: [
        { name: 'f32', type: 'F32', shape: [3, 2, 256], data: () => bytesOf(stack) },
        { name: 'q8', type: 'Q8_0', shape: [3, 2, 256], data: () => quantizeQ8_0(stack) },
        { name: 'q4k', type: 'Q4_K', shape: [3, 2, 256], data: () => quantizeQ4_K(stack) },
        { name: 'norm', type: 'F32', shape: [3], data: () => bytesOf(new Float32Array([1, 2, 3])) },
      ],
    });
    const gg = await GgufFile.open(file);
    try {
      for (const expert of [0, 1, 2]) {
        const part = stack.subarray(expert * 512, (expert + 1) * 512);
        expect(await gg.readTensorSliceFloat32('f32', expert)).toEqual(part);
        const raw = await gg.readTensorSliceBytes('q8', expert);
        expect(raw).toMatchObject({ type: 'Q8_0', shape: [2, 256] });
        expect(raw.bytes).toEqual(quantizeQ8_0(part));
        const whole = await gg.readTensorFloat32('q4k');
        expect(await gg.readTensorSliceFloat32('q4k', expert)).toEqual(
          whole.subarray(expert * 512, (expert + 1) * 512),
        );
      }
      for (const [name, index] of [
        ['f32', 3],
        ['f32', -1],
        ['norm', 0],
      ] as const) {
        const error = await gg.readTensorSliceBytes(name, index).catch((e: unknown) => e);
        expect(GgufFileError.isInstance(error), `${name}[${index}]`).toBe(true);
        expect(error).toMatchObject({ kind: 'bad-shape', entry: name });
      }
    } finally {
      await gg.close();
    }
  });

  it('opens split checkpoints from any shard (split.no, split.count, split.tensors.count)', async () => {
    const names = ggufSplitPaths(join(dir, 'm-00001-of-00003.gguf'))!;
    expect(names.map((n) => n.slice(dir.length + 1))).toEqual([
      'm-00001-of-00003.gguf',
      'm-00002-of-00003.gguf',
      'm-00003-of-00003.gguf',
    ]);
    for (const [no, path] of names.entries()) {
      await writeGgufFile(path, {
        metadata: {
          ...(no === 0 ? { 'general.architecture': gguf.string('llama') } : {}),
          'split.no': gguf.uint16(no),
          'split.count': gguf.uint16(3),
          'split.tensors.count': gguf.int32(3),
        },
        tensors: [{ name: `t${no}`, type: 'F32', shape: [2], data: () => bytesOf(new Float32Array([no, no + 0.5])) }],
      });
    }
    const gg = await GgufFile.open(names[1]!);
    try {
      expect(gg.metadata.getString('general.architecture')).toBe('llama');
      expect(gg.tensors.map((t) => t.name)).toEqual(['t0', 't1', 't2']);
      expect([...(await gg.readTensorFloat32('t2'))]).toEqual([2, 2.5]);
      expect(gg.tensor('t1').file).toBe(names[1]);
    } finally {
      await gg.close();
    }
    await rm(names[2]!);
    const error = await GgufFile.open(names[0]!).catch((e: unknown) => e);
    expect(GgufFileError.isInstance(error) && error.kind).toBe('split');
    expect((error as Error).message).toMatch(/shard 3 of 3/);
  });
});
