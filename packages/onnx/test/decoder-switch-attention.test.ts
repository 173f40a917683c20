import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpointWeights } from '@pio/safetensors';
import { checkpointShapes, resolveDecoderShape, writeRandomCheckpoint } from '@pio/test-kit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDecoderTransformer, GraphError, saveDecoderTransformer } from '../src/index.js';
import { decoderOptions, decoderIo as io } from './helpers/decoder-fixtures.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-switch-attention-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Steps through `steps` like the engine (JS cache with its padding row, only new K/V out), each step on the session `pick` chooses. */
async function run(
  sessions: { decode: ort.InferenceSession; prefill: ort.InferenceSession },
  pick: (ids: readonly number[]) => 'decode' | 'prefill',
  layers: number,
  rowSize: number,
  steps: readonly (readonly number[])[],
): Promise<Float32Array[]> {
  const keys: number[][] = Array.from({ length: layers }, () => new Array<number>(rowSize).fill(0));
  const values: number[][] = Array.from({ length: layers }, () => new Array<number>(rowSize).fill(0));
  const results: Float32Array[] = [];
  for (const ids of steps) {
    const rows = keys[0]!.length / rowSize;
    const feeds: Record<string, ort.Tensor> = {
      [io.inputIds]: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [ids.length]),
      [io.logitIndices]: new ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (_, i) => BigInt(i)),
        [ids.length],
      ),
    };
    for (let l = 0; l < layers; l++) {
      feeds[io.pastKey(l)] = new ort.Tensor('float32', Float32Array.from(keys[l]!), [rows, rowSize]);
      feeds[io.pastValue(l)] = new ort.Tensor('float32', Float32Array.from(values[l]!), [rows, rowSize]);
    }
    const out = await sessions[pick(ids)].run(feeds);
    for (let l = 0; l < layers; l++) {
      keys[l]!.push(...(out[io.newKey(l)]!.data as Float32Array));
      values[l]!.push(...(out[io.newValue(l)]!.data as Float32Array));
    }
    results.push(out[io.logits]!.data as Float32Array);
  }
  return results;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('buildDecoderTransformer with switchAttention', () => {
  it('builds ONE graph whose layers switch to fused causal attention for several tokens, computing what the cached-attention graph does over an empty or a cached past', async () => {
    const shape = checkpointShapes['llama-kv2'];
    const checkpoint = await writeRandomCheckpoint(join(root, 'checkpoint'), {
      arch: shape.arch,
      tokenizer: shape.tokenizer,
      config: shape.config,
      seed: 5,
    });
    const resolved = resolveDecoderShape(shape.arch, checkpoint.config);
    const options = decoderOptions(checkpoint, {
      // Quantized (level 0: exact against fp32 on the same values).
      weightFormat: { kind: 'nbits', bits: 4, blockSize: 32, accuracyLevel: 0 },
    });
    const store = await openCheckpointWeights(checkpoint.dir);
    const cached = await buildDecoderTransformer(store, options);
    const switched = await buildDecoderTransformer(store, { ...options, switchAttention: true });
    await expect(
      buildDecoderTransformer(store, { ...options, io: 'optimum', switchAttention: true }),
    ).rejects.toSatisfy((error) => GraphError.isInstance(error));
    await store.close();
    expect(switched.parameters).toBe(cached.parameters);
    const ifNodes = switched.graph.contents().nodes.filter((node) => node.opType === 'If');
    expect(ifNodes).toHaveLength(resolved.numLayers);

    const cachedDir = join(root, 'cached');
    const switchDir = join(root, 'switch');
    const savedCached = await saveDecoderTransformer(cached, cachedDir, {
      modelFile: 'decoder.onnx',
      externalData: true,
    });
    const savedSwitch = await saveDecoderTransformer(switched, switchDir, {
      modelFile: 'decoder.onnx',
      externalData: true,
    });
    expect((await readdir(switchDir)).sort()).toEqual(['decoder.onnx', 'decoder.onnx_data']);
    const decode = await ort.InferenceSession.create(savedCached.decode.modelPath);
    const one = await ort.InferenceSession.create(savedSwitch.decode.modelPath);
    try {
      const rowSize = resolved.numKeyValueHeads * resolved.headDim;
      const steps = [Array.from({ length: 9 }, (_, i) => (i * 37 + 5) % 512), [11], [300, 7, 42, 99], [3]];
      const expected = await run({ decode, prefill: decode }, () => 'decode', resolved.numLayers, rowSize, steps);
      const viaSwitch = await run({ decode: one, prefill: one }, () => 'decode', resolved.numLayers, rowSize, steps);
      for (const [index, want] of expected.entries()) {
        expect(maxAbsDiff(viaSwitch[index]!, want), `step ${index}`).toBeLessThan(1e-4);
      }
    } finally {
      await decode.release();
      await one.release();
    }
  });
});
