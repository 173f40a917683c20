import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openCheckpointWeights, writeShardedSafetensors } from '../src/index.js';
import { randomValues, sameBits, temporaryFolder } from './helpers.js';

it('reads one tensor of a 64 MiB checkpoint without touching the others', async () => {
  const dir = join(await temporaryFolder(), 'large');
  const rows = 1024;
  const columns = 2048; // 8 MiB per F32 tensor
  const tensors = Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [
      `model.layers.${i}.mlp.up_proj.weight`,
      { dtype: 'F32' as const, shape: [rows, columns], data: randomValues(rows * columns, i + 1) },
    ]),
  );
  await writeShardedSafetensors(dir, tensors, { maxShardBytes: 1 << 30 });
  const wanted = tensors['model.layers.5.mlp.up_proj.weight']!.data;

  const before = process.memoryUsage().arrayBuffers;
  await using store = await openCheckpointWeights(dir);
  expect(store.totalBytes).toBe(64 * 1024 * 1024);
  const headerBytes = store.bytesRead;
  const read = await store.read('model.layers.5.mlp.up_proj.weight');
  const grown = process.memoryUsage().arrayBuffers - before;

  expect(store.bytesRead - headerBytes).toBe(rows * columns * 4);
  expect(sameBits(read, wanted)).toBe(true);
  // One buffer for the tensor, nothing for the other 56 MiB.
  expect(grown).toBeLessThan(rows * columns * 4 * 1.5);
});
