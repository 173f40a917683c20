import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpointWeights } from '@pio/safetensors';
import { checkpointShapes, resolveDecoderShape, writeRandomCheckpoint } from '@pio/test-kit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDecoderTransformer } from '../src/index.js';
import { decoderOptions, batchedDecoderIo as io } from './helpers/decoder-fixtures.js';

// A batched run rotates B·S tokens; onnxruntime's RotaryEmbedding refuses a sequence longer than its cos/sin table.
// With a 16-row table, 18 sequences prefilled together (252 padded tokens) and their decode step (18 tokens) must
// still give each sequence what it gets alone.
const maxPositions = 16;
const promptLengths = Array.from({ length: 18 }, (_, b) => 3 + ((b * 5) % 12)); // 3 … 14 tokens
const batch = promptLengths.length;
const width = Math.max(...promptLengths);
const prompt = (b: number) => Array.from({ length: promptLengths[b]! }, (_, i) => (b * 31 + i * 17 + 5) % 500);
const nextToken = (b: number) => (b * 7 + 3) % 500;

const int64 = (values: readonly number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);
const noSlots = () => new ort.Tensor('float32', new Float32Array(0), [0, 0, 0, 0]);

let root: string;
let session: ort.InferenceSession;
let layers: number;
let kvHeads: number;
let headDim: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-batched-rotary-'));
  const shape = checkpointShapes['llama-kv2'];
  const checkpoint = await writeRandomCheckpoint(join(root, 'checkpoint'), {
    arch: shape.arch,
    tokenizer: shape.tokenizer,
    config: shape.config,
    seed: 11,
  });
  const resolved = resolveDecoderShape(shape.arch, checkpoint.config);
  layers = resolved.numLayers;
  kvHeads = resolved.numKeyValueHeads;
  headDim = resolved.headDim;
  const store = await openCheckpointWeights(checkpoint.dir);
  const built = await buildDecoderTransformer(
    store,
    decoderOptions(checkpoint, { maxPositions, io, switchAttention: true }),
  );
  await store.close();
  session = await ort.InferenceSession.create(built.graph.toBytes(), { intraOpNumThreads: 1 });
});

afterAll(async () => {
  await session?.release();
  await rm(root, { recursive: true, force: true });
});

/** Layer i's new keys and values, `[tokens, kvHeads * headDim]` each. */
interface NewRows {
  keys: Float32Array[];
  values: Float32Array[];
}

/** A one-sequence run (the engine's path when a sequence is alone): `ids` after `past` (its rows, token-major). */
async function runAlone(
  ids: readonly number[],
  past: NewRows | undefined,
): Promise<{ logits: Float32Array } & NewRows> {
  const rowSize = kvHeads * headDim;
  const pastRows = past ? past.keys[0]!.length / rowSize : 0;
  const feeds: Record<string, ort.Tensor> = {
    [io.inputIds]: int64(ids),
    [io.logitIndices]: int64([ids.length - 1]),
    [io.batch!.sequenceLengths]: new ort.Tensor('int32', new Int32Array(0), [0]),
    [io.batch!.positions]: int64([]),
  };
  for (let layer = 0; layer < layers; layer++) {
    // Row 0 is the padding row the graph ignores.
    const withPadding = (rows: Float32Array | undefined) => {
      const data = new Float32Array((1 + pastRows) * rowSize);
      if (rows) data.set(rows, rowSize);
      return new ort.Tensor('float32', data, [1 + pastRows, rowSize]);
    };
    feeds[io.pastKey(layer)] = withPadding(past?.keys[layer]);
    feeds[io.pastValue(layer)] = withPadding(past?.values[layer]);
    feeds[io.batch!.slotKey(layer)] = noSlots();
    feeds[io.batch!.slotValue(layer)] = noSlots();
  }
  const out = await session.run(feeds);
  return {
    logits: out[io.logits]!.data as Float32Array,
    keys: Array.from({ length: layers }, (_, layer) => out[io.newKey(layer)]!.data as Float32Array),
    values: Array.from({ length: layers }, (_, layer) => out[io.newValue(layer)]!.data as Float32Array),
  };
}

/** A batched run: B sequences of `width` tokens each (sequence-major), over slots `[B, kvHeads, capacity, headDim]`. */
async function runBatch(
  ids: readonly number[],
  positions: readonly number[],
  lengths: readonly number[],
  logitIndices: readonly number[],
  slots: { keys: Float32Array[]; values: Float32Array[]; capacity: number },
): Promise<{ logits: Float32Array } & NewRows> {
  const rowSize = kvHeads * headDim;
  const feeds: Record<string, ort.Tensor> = {
    [io.inputIds]: int64(ids),
    [io.logitIndices]: int64(logitIndices),
    [io.batch!.sequenceLengths]: new ort.Tensor('int32', Int32Array.from(lengths), [lengths.length]),
    [io.batch!.positions]: int64(positions),
  };
  const dims = [lengths.length, kvHeads, slots.capacity, headDim];
  for (let layer = 0; layer < layers; layer++) {
    feeds[io.pastKey(layer)] = new ort.Tensor('float32', new Float32Array(rowSize), [1, rowSize]);
    feeds[io.pastValue(layer)] = new ort.Tensor('float32', new Float32Array(rowSize), [1, rowSize]);
    feeds[io.batch!.slotKey(layer)] = new ort.Tensor('float32', slots.keys[layer]!, dims);
    feeds[io.batch!.slotValue(layer)] = new ort.Tensor('float32', slots.values[layer]!, dims);
  }
  const out = await session.run(feeds);
  return {
    logits: out[io.logits]!.data as Float32Array,
    keys: Array.from({ length: layers }, (_, layer) => out[io.newKey(layer)]!.data as Float32Array),
    values: Array.from({ length: layers }, (_, layer) => out[io.newValue(layer)]!.data as Float32Array),
  };
}

/** Writes token-major rows `[count, kvHeads * headDim]` of sequence b into its slot of a BNSH pool. */
function fillSlot(pool: Float32Array, rows: Float32Array, b: number, count: number, capacity: number): void {
  for (let t = 0; t < count; t++) {
    for (let h = 0; h < kvHeads; h++) {
      const from = (t * kvHeads + h) * headDim;
      pool.set(rows.subarray(from, from + headDim), ((b * kvHeads + h) * capacity + t) * headDim);
    }
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('batched runs of a switchAttention graph longer than its rotary table', () => {
  it('prefills 18 prompts together (252 tokens, 16 table rows), then steps all 18 at once, each as it runs alone', async () => {
    const rowSize = kvHeads * headDim;
    // Each sequence alone: its prompt, then one token.
    const alone = [];
    for (let b = 0; b < batch; b++) {
      const first = await runAlone(prompt(b), undefined);
      const step = await runAlone([nextToken(b)], first);
      alone.push({ first, step });
    }

    // All prompts in one run, right-padded to the longest (padding repeats the last token, as the engine does).
    const ids: number[] = [];
    const positions: number[] = [];
    for (let b = 0; b < batch; b++) {
      const own = prompt(b);
      for (let t = 0; t < width; t++) {
        ids.push(own[Math.min(t, own.length - 1)]!);
        positions.push(t);
      }
    }
    expect(ids.length).toBeGreaterThan(maxPositions);
    const empty = Array.from({ length: layers }, () => new Float32Array(0));
    const prefill = await runBatch(
      ids,
      positions,
      promptLengths,
      promptLengths.map((length, b) => b * width + length - 1),
      { keys: empty, values: empty, capacity: 0 },
    );
    const vocabSize = prefill.logits.length / batch;
    for (let b = 0; b < batch; b++) {
      const want = alone[b]!.first;
      const got = prefill.logits.subarray(b * vocabSize, (b + 1) * vocabSize);
      expect(maxAbsDiff(got, want.logits), `prefill logits of sequence ${b}`).toBeLessThan(1e-4);
      for (let layer = 0; layer < layers; layer++) {
        const rows = prefill.keys[layer]!.subarray(b * width * rowSize, (b * width + promptLengths[b]!) * rowSize);
        expect(maxAbsDiff(rows, want.keys[layer]!), `rotated keys of sequence ${b}, layer ${layer}`).toBeLessThan(1e-4);
      }
    }

    // One decode step for all 18: more new tokens than the table has rows.
    const capacity = maxPositions;
    const slots = {
      keys: Array.from({ length: layers }, () => new Float32Array(batch * kvHeads * capacity * headDim)),
      values: Array.from({ length: layers }, () => new Float32Array(batch * kvHeads * capacity * headDim)),
      capacity,
    };
    for (let b = 0; b < batch; b++) {
      for (let layer = 0; layer < layers; layer++) {
        const from = b * width * rowSize;
        const count = promptLengths[b]!;
        fillSlot(slots.keys[layer]!, prefill.keys[layer]!.subarray(from), b, count, capacity);
        fillSlot(slots.values[layer]!, prefill.values[layer]!.subarray(from), b, count, capacity);
      }
    }
    const step = await runBatch(
      Array.from({ length: batch }, (_, b) => nextToken(b)),
      promptLengths,
      promptLengths.map((length) => length + 1),
      Array.from({ length: batch }, (_, b) => b),
      slots,
    );
    expect(batch).toBeGreaterThan(maxPositions);
    for (let b = 0; b < batch; b++) {
      const got = step.logits.subarray(b * vocabSize, (b + 1) * vocabSize);
      expect(maxAbsDiff(got, alone[b]!.step.logits), `step logits of sequence ${b}`).toBeLessThan(1e-4);
      for (let layer = 0; layer < layers; layer++) {
        const row = step.keys[layer]!.subarray(b * rowSize, (b + 1) * rowSize);
        expect(maxAbsDiff(row, alone[b]!.step.keys[layer]!), `step key of sequence ${b}, layer ${layer}`).toBeLessThan(
          1e-4,
        );
      }
    }
  });
});
