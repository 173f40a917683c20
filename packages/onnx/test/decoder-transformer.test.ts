import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpointWeights } from '@pio/safetensors';
import {
  type CheckpointShapeName,
  checkpointShapes,
  createReferenceKvCache,
  referenceForward,
  resolveDecoderShape,
  writeRandomCheckpoint,
} from '@pio/test-kit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDecoderTransformer, type CachedAttentionLayout } from '../src/index.js';
import { decoderOptions, decoderIo as io } from './helpers/decoder-fixtures.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-decoder-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the graph like the engine: a JS cache fed as views, only new K/V returned. */
async function runGraph(bytes: Uint8Array, layers: number, rowSize: number, steps: number[][]) {
  const session = await ort.InferenceSession.create(bytes);
  // Each cache starts with the padding row the graph ignores.
  const keys: number[][] = Array.from({ length: layers }, () => new Array<number>(rowSize).fill(0));
  const values: number[][] = Array.from({ length: layers }, () => new Array<number>(rowSize).fill(0));
  const results: Float32Array[] = [];
  for (const ids of steps) {
    const pastRows = keys[0]!.length / rowSize;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [ids.length]),
      logit_indices: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [ids.length]),
    };
    for (let l = 0; l < layers; l++) {
      feeds[io.pastKey(l)] = new ort.Tensor('float32', Float32Array.from(keys[l]!), [pastRows, rowSize]);
      feeds[io.pastValue(l)] = new ort.Tensor('float32', Float32Array.from(values[l]!), [pastRows, rowSize]);
    }
    const out = await session.run(feeds);
    for (let l = 0; l < layers; l++) {
      keys[l]!.push(...(out[io.newKey(l)]!.data as Float32Array));
      values[l]!.push(...(out[io.newValue(l)]!.data as Float32Array));
    }
    results.push(out[io.logits]!.data as Float32Array);
  }
  await session.release();
  return results;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const shapes: CheckpointShapeName[] = ['llama-kv2', 'llama-tied', 'llama-head-dim', 'qwen3-kv2'];
// Each decode attention layout on every shape (default first).
const cases: { name: CheckpointShapeName; layout: CachedAttentionLayout }[] = shapes.flatMap((name) =>
  (['grouped', 'block-diagonal'] as const).map((layout) => ({ name, layout })),
);

describe('buildDecoderTransformer', () => {
  for (const { name, layout } of cases) {
    it(`equals the reference forward pass for ${name} (${layout} attention): prefill, then decode steps`, async () => {
      const shape = checkpointShapes[name];
      const checkpoint = await writeRandomCheckpoint(join(root, `${name}-${layout}`), {
        arch: shape.arch,
        tokenizer: shape.tokenizer,
        config: shape.config,
        seed: 7,
      });
      const resolved = resolveDecoderShape(shape.arch, checkpoint.config);
      const store = await openCheckpointWeights(checkpoint.dir);
      const config = checkpoint.config;
      const { graph } = await buildDecoderTransformer(store, decoderOptions(checkpoint, { decodeAttention: layout }));
      await store.close();
      const prompt = Array.from({ length: 8 }, (_, i) => (i * 37 + 5) % 512);
      const steps = [prompt, [11], [300], [42]];
      const got = await runGraph(
        graph.toBytes(),
        resolved.numLayers,
        resolved.numKeyValueHeads * resolved.headDim,
        steps,
      );
      const cache = createReferenceKvCache(shape.arch, config);
      for (const [index, ids] of steps.entries()) {
        const expected = referenceForward(shape.arch, config, checkpoint.weights, ids, cache);
        expect(maxAbsDiff(got[index]!, expected)).toBeLessThan(1e-4);
      }
    });
  }
});
