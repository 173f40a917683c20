import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '../test/helpers.js';
import { WeightFileError } from './errors/weight-file-error.js';
import { openCheckpointWeights } from './open-checkpoint-weights.js';
import { SafetensorsWriter, type TensorPlan, type TensorToWrite } from './write-safetensors.js';
import { ShardedSafetensorsWriter, writeShardedSafetensors } from './write-sharded-safetensors.js';

function tensor(dtype: TensorToWrite['dtype'], shape: number[], seed: number): TensorToWrite {
  const count = shape.reduce((a, b) => a * b, 1);
  return { dtype, shape, data: Float32Array.from({ length: count }, (_, i) => Math.sin(seed * 31 + i)) };
}

const tensors: Record<string, TensorToWrite> = {
  'model.embed_tokens.weight': tensor('BF16', [16, 8], 1),
  'model.layers.0.mlp.up_proj.weight': tensor('BF16', [12, 8], 2),
  'model.layers.0.input_layernorm.weight': tensor('F32', [8], 3),
  'model.norm.weight': tensor('F16', [8], 4),
  'lm_head.weight': tensor('BF16', [16, 8], 5),
};
const plans: Record<string, TensorPlan> = Object.fromEntries(
  Object.entries(tensors).map(([name, { dtype, shape }]) => [name, { dtype, shape }]),
);

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(dir, name))] as const)));
}

describe('streamed safetensors writers', () => {
  it('write the same files as writeShardedSafetensors with tensors written one by one in any order', async () => {
    for (const maxShardBytes of [Number.MAX_SAFE_INTEGER, 300]) {
      const root = await temporaryFolder();
      const eager = await writeShardedSafetensors(join(root, 'eager'), tensors, { maxShardBytes });
      const writer = await ShardedSafetensorsWriter.create(join(root, 'streamed'), plans, { maxShardBytes });
      // Nothing is visible under its final name before finish().
      expect((await readdir(join(root, 'streamed'))).every((name) => name.includes('.partial-'))).toBe(true);
      for (const name of Object.keys(tensors).reverse()) await writer.write(name, tensors[name]!.data);
      const streamed = await writer.finish();
      expect(streamed.files.map((file) => file.replace('streamed', 'eager'))).toEqual(eager.files);
      expect(streamed.totalBytes).toBe(eager.totalBytes);
      expect(await filesOf(join(root, 'streamed'))).toEqual(await filesOf(join(root, 'eager')));
      if (maxShardBytes === 300) expect(streamed.indexFile).toBeDefined();
      const store = await openCheckpointWeights(join(root, 'streamed'));
      expect(await store.read('model.layers.0.input_layernorm.weight')).toEqual(
        tensors['model.layers.0.input_layernorm.weight']!.data,
      );
      await store.close();
    }
  });

  it('refuses unknown, repeated and ill-sized tensors, and a finish with tensors missing leaves nothing behind', async () => {
    const dir = join(await temporaryFolder(), 'ckpt');
    const writer = await ShardedSafetensorsWriter.create(dir, plans, { maxShardBytes: 300 });
    await expect(writer.write('nope', new Float32Array(1))).rejects.toThrow(/not one of the tensors/);
    await writer.write('model.norm.weight', tensors['model.norm.weight']!.data);
    await expect(writer.write('model.norm.weight', tensors['model.norm.weight']!.data)).rejects.toThrow(
      /written already/,
    );
    await expect(writer.write('lm_head.weight', new Float32Array(3))).rejects.toThrow(
      /has 128 elements but the data has 3/,
    );
    const error = await writer.finish().catch((e: unknown) => e);
    expect(WeightFileError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/planned tensor\(s\) were never written: lm_head.weight/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a single-file writer can be aborted, leaving an earlier file untouched', async () => {
    const path = join(await temporaryFolder(), 'w.safetensors');
    const first = await SafetensorsWriter.create(path, { w: { dtype: 'F32', shape: [2] } });
    await first.write('w', Float32Array.of(1, 2));
    expect(await first.finish()).toBe(first.byteLength);
    const before = await readFile(path);
    const second = await SafetensorsWriter.create(path, { w: { dtype: 'F32', shape: [2] } });
    await second.write('w', Float32Array.of(3, 4));
    await second.abort();
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(join(path, '..'))).toEqual(['w.safetensors']);
  });
});

describe('reading holds one tensor', () => {
  it('reads only the tensor asked for, into one array of exactly its float32 size', async () => {
    const dir = join(await temporaryFolder(), 'ckpt');
    await writeShardedSafetensors(dir, tensors, { maxShardBytes: Number.MAX_SAFE_INTEGER });
    const store = await openCheckpointWeights(dir);
    const before = store.bytesRead;
    const values = await store.read('model.layers.0.mlp.up_proj.weight');
    expect(store.bytesRead - before).toBe(12 * 8 * 2);
    expect(values.byteOffset).toBe(0);
    expect(values.buffer.byteLength).toBe(12 * 8 * 4);
    await store.close();
  });
});
