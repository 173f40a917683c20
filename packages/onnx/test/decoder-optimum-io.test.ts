import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpointWeights } from '@pio/safetensors';
import {
  type CheckpointShapeName,
  checkpointShapes,
  createReferenceKvCache,
  type RandomCheckpoint,
  referenceForward,
  resolveDecoderShape,
  writeRandomCheckpoint,
} from '@pio/test-kit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDecoderTransformer, optimumIoNames as names } from '../src/index.js';
import { decoderOptions } from './helpers/decoder-fixtures.js';
import { maxAbsDiff } from './helpers/reference.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-decoder-optimum-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function optimumSession(
  name: CheckpointShapeName,
): Promise<{ session: ort.InferenceSession; checkpoint: RandomCheckpoint }> {
  const shape = checkpointShapes[name];
  const checkpoint = await writeRandomCheckpoint(join(root, name), {
    arch: shape.arch,
    tokenizer: shape.tokenizer,
    config: shape.config,
    seed: 11,
  });
  const store = await openCheckpointWeights(checkpoint.dir);
  const { graph } = await buildDecoderTransformer(store, decoderOptions(checkpoint, { io: 'optimum' }));
  await store.close();
  return { session: await ort.InferenceSession.create(graph.toBytes(), { intraOpNumThreads: 1 }), checkpoint };
}

const int64 = (rows: readonly (readonly number[])[]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]!.length]);

/** Runs one Optimum-style step: `ids` rows of equal length, the mask over past and new tokens, presents fed back as pasts. */
async function step(
  session: ort.InferenceSession,
  layers: number,
  state: { past: Record<string, ort.Tensor> },
  ids: number[][],
  mask: number[][],
  positions: number[][],
): Promise<ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    [names.inputIds]: int64(ids),
    [names.attentionMask]: int64(mask),
    [names.positionIds]: int64(positions),
    ...state.past,
  };
  const out = await session.run(feeds);
  for (let layer = 0; layer < layers; layer++) {
    state.past[names.pastKey(layer)] = out[names.presentKey(layer)]!;
    state.past[names.pastValue(layer)] = out[names.presentValue(layer)]!;
  }
  return out[names.logits]!;
}

function emptyPast(checkpoint: RandomCheckpoint, batch: number): Record<string, ort.Tensor> {
  const shape = resolveDecoderShape(checkpoint.arch, checkpoint.config);
  const past: Record<string, ort.Tensor> = {};
  const dims = [batch, shape.numKeyValueHeads, 0, shape.headDim];
  for (let layer = 0; layer < shape.numLayers; layer++) {
    past[names.pastKey(layer)] = new ort.Tensor('float32', new Float32Array(0), dims);
    past[names.pastValue(layer)] = new ort.Tensor('float32', new Float32Array(0), dims);
  }
  return past;
}

/** Logits of row `row`, positions [from, to), from a `[batch, seq, vocab]` tensor. */
function rowLogits(logits: ort.Tensor, row: number, from: number, to: number): Float32Array {
  const [, seq, vocab] = logits.dims as [number, number, number];
  return (logits.data as Float32Array).subarray((row * seq + from) * vocab, (row * seq + to) * vocab);
}

const prompt = [464, 2068, 7586, 21831, 18045, 625, 262, 16931];
const layers = 2;

describe("buildDecoderTransformer with io: 'optimum'", () => {
  for (const name of ['llama-kv4', 'qwen3-untied'] as const) {
    it(`equals the reference for ${name}, batch 1: prefill, then decode steps fed their presents`, async () => {
      const { session, checkpoint } = await optimumSession(name);
      expect(session.inputNames).toEqual([
        'input_ids',
        'attention_mask',
        'position_ids',
        ...Array.from({ length: layers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat(),
      ]);
      expect(session.outputNames).toEqual([
        ...Array.from({ length: layers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat(),
        'logits',
      ]);
      const { arch, config, weights } = checkpoint;
      const cache = createReferenceKvCache(arch, config);
      const state = { past: emptyPast(checkpoint, 1) };
      const steps = [prompt, [11], [300], [42]];
      let length = 0;
      for (const ids of steps) {
        const positions = ids.map((_, i) => length + i);
        length += ids.length;
        const logits = await step(session, layers, state, [ids], [Array(length).fill(1)], [positions]);
        expect(logits.dims).toEqual([1, ids.length, config.vocab_size]);
        const expected = referenceForward(arch, config, weights, ids, cache);
        expect(maxAbsDiff(logits.data as Float32Array, expected)).toBeLessThan(1e-4);
      }
      const presentKey = state.past[names.pastKey(1)]!;
      const shape = resolveDecoderShape(arch, config);
      expect(presentKey.dims).toEqual([1, shape.numKeyValueHeads, length, shape.headDim]);
      await session.release();
    });
  }

  it('runs a left-padded batch of two: each row equals the reference of its own unpadded sequence', async () => {
    const { session, checkpoint } = await optimumSession('llama-kv4');
    const { arch, config, weights } = checkpoint;
    const short = [9906, 995, 11, 703, 389];
    const padding = prompt.length - short.length;
    const rows = [prompt, [...Array(padding).fill(50256), ...short]];
    const mask = [Array(prompt.length).fill(1), [...Array(padding).fill(0), ...Array(short.length).fill(1)]];
    // transformers.js: cumsum(mask) - 1, and 1 where masked.
    const positions = mask.map((row) => {
      let seen = 0;
      return row.map((bit) => (bit ? seen++ : 1));
    });
    const state = { past: emptyPast(checkpoint, 2) };
    const caches = [createReferenceKvCache(arch, config), createReferenceKvCache(arch, config)];
    const prefill = await step(session, layers, state, rows, mask, positions);
    expect(
      maxAbsDiff(rowLogits(prefill, 0, 0, prompt.length), referenceForward(arch, config, weights, prompt, caches[0])),
    ).toBeLessThan(1e-4);
    expect(
      maxAbsDiff(
        rowLogits(prefill, 1, padding, prompt.length),
        referenceForward(arch, config, weights, short, caches[1]),
      ),
    ).toBeLessThan(1e-4);

    const next = [
      [17, 4242],
      [318, 7],
    ];
    for (let index = 0; index < next[0]!.length; index++) {
      const ids = next.map((tokens) => [tokens[index]!]);
      for (const row of mask) row.push(1);
      const lengths = [prompt.length + index, short.length + index];
      const logits = await step(
        session,
        layers,
        state,
        ids,
        mask,
        lengths.map((length) => [length]),
      );
      for (const row of [0, 1]) {
        const expected = referenceForward(arch, config, weights, ids[row]!, caches[row]);
        expect(maxAbsDiff(rowLogits(logits, row, 0, 1), expected)).toBeLessThan(1e-4);
      }
    }
    await session.release();
  });
});
