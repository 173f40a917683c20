import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { SlotKvPool } from '../batch/slot-kv-pool.js';
import { KvCache } from '../kv-cache/kv-cache.js';
import { createSession, type GraphSource, type SessionSettings } from '../session/create-session.js';
import { type DecoderShape, decoderIo } from './decoder-io.js';

/** Whether a graph (bytes, or the path of its model file) has `MatMulNBits` nodes: a byte search of the model file, weights excluded. */
async function hasQuantizedWeights(graph: GraphSource): Promise<boolean> {
  const bytes =
    typeof graph === 'string' ? await readFile(graph) : Buffer.from(graph.buffer, graph.byteOffset, graph.byteLength);
  return bytes.indexOf('MatMulNBits') !== -1;
}

/** The graphs of one decoder model. */
export interface DecoderGraphs {
  /** The graph for steps of one (or a few) tokens over the cache. */
  decode: GraphSource;
  /**
   * An optional second graph for prompts; same I/O as `decode`, used when
   * more than one token is fed. Built models no longer have one (their one
   * graph switches attention itself); the SmolLM2 prefill benchmarks of
   * `@pio/model-llama` still pass one.
   */
  prefill?: GraphSource;
}

/**
 * Most tokens {@link DecoderRunner.forward} feeds in one run unless told: a
 * longer input runs in chunks of this many. onnxruntime's fused prompt
 * attention holds every head's scores at once (heads × S × (past + S)
 * floats: 302 MB for 32 heads at 1536, 8.6 GB at 8192). Measured on the
 * Llama-3.2-1B int4 shape (AMD EPYC, 2 threads, one 1536-token prompt,
 * 2026-12-03): peak RSS 2105–2108 MiB whole against 1388–1408 MiB in chunks
 * of 256 (1557–1590 in chunks of 512), prefill speed the same within the
 * noise (98–139 against 107–131 tok/s).
 */
export const defaultPromptChunk = 256;

/** Options of {@link DecoderRunner.create} besides the session settings. */
export interface DecoderRunnerOptions {
  /** Most tokens {@link DecoderRunner.forward} feeds in one run (default {@link defaultPromptChunk}). */
  promptChunk?: number;
}

/**
 * Runs a decoder model step by step: feeds the KV cache as zero-copy views,
 * takes back only the new tokens' K/V and appends them after the run.
 */
export class DecoderRunner {
  /** The KV cache of the current sequence. */
  readonly cache: KvCache;
  /** Sizes of the model. */
  readonly shape: DecoderShape;
  private decodeSession: ort.InferenceSession | undefined;
  private prefillSession: ort.InferenceSession | undefined;
  private readonly outputNames: string[];
  /** Token ids whose K/V are in the cache, in order. */
  private cachedIds: number[] = [];
  /**
   * True when the graph has the batched inputs of {@link decoderIo} (and the
   * shape says how its cache splits into heads): {@link DecoderRunner.forwardBatch} works.
   */
  readonly batchable: boolean;
  /** Feeds of the batched inputs for a one-sequence run (empty), or of the one-sequence inputs for a batched run (a padding row). */
  private readonly idleFeeds: { batch: Record<string, ort.Tensor>; single: Record<string, ort.Tensor> };
  /** Most tokens {@link DecoderRunner.forward} feeds in one run. */
  readonly promptChunk: number;

  private constructor(
    shape: DecoderShape,
    decode: ort.InferenceSession,
    prefill: ort.InferenceSession | undefined,
    options: DecoderRunnerOptions,
  ) {
    this.shape = shape;
    const promptChunk = options.promptChunk ?? defaultPromptChunk;
    if (!Number.isInteger(promptChunk) || promptChunk < 1) {
      throw new RangeError(`promptChunk must be a positive integer: got ${promptChunk}`);
    }
    this.promptChunk = promptChunk;
    this.decodeSession = decode;
    this.prefillSession = prefill;
    this.cache = new KvCache({
      numLayers: shape.numLayers,
      rowSize: shape.rowSize,
      valueRowSize: shape.valueRowSize ?? shape.rowSize,
      maxLength: shape.maxLength,
    });
    this.outputNames = [decoderIo.logits];
    for (let layer = 0; layer < shape.numLayers; layer++) {
      this.outputNames.push(decoderIo.newKey(layer));
      if (this.cache.valueRowSize > 0) this.outputNames.push(decoderIo.newValue(layer));
    }
    const { numKeyValueHeads: heads, headDim } = shape;
    const hasBatchInputs = decode.inputNames.includes(decoderIo.batch.sequenceLengths);
    this.batchable =
      hasBatchInputs &&
      heads !== undefined &&
      headDim !== undefined &&
      heads * headDim === shape.rowSize &&
      this.cache.valueRowSize === shape.rowSize;
    this.idleFeeds = { batch: {}, single: {} };
    if (hasBatchInputs) {
      const { batch, single } = this.idleFeeds;
      batch[decoderIo.batch.sequenceLengths] = new ort.Tensor('int32', new Int32Array(0), [0]);
      batch[decoderIo.batch.positions] = new ort.Tensor('int64', new BigInt64Array(0), [0]);
      const noSlots = new ort.Tensor('float32', new Float32Array(0), [0, 0, 0, 0]);
      const paddingRow = new ort.Tensor('float32', new Float32Array(shape.rowSize), [1, shape.rowSize]);
      for (let layer = 0; layer < shape.numLayers; layer++) {
        batch[decoderIo.batch.slotKey(layer)] = noSlots;
        batch[decoderIo.batch.slotValue(layer)] = noSlots;
        single[decoderIo.pastKey(layer)] = paddingRow;
        single[decoderIo.pastValue(layer)] = paddingRow;
      }
    }
  }

  /**
   * Creates the sessions of `graphs`. The prefill session shares the weight
   * file but not onnxruntime's packed copies of the weights: it packs only
   * quantized ones (`MatMulNBits` runs at half speed unpacked; their copy is
   * small), never float ones (that would double the model's memory; float
   * GEMMs pack per call, negligible for a long prompt). Float weights are then
   * read from the memory-mapped file: page cache, not private memory.
   */
  static async create(
    graphs: DecoderGraphs,
    shape: DecoderShape,
    settings: SessionSettings = {},
    options: DecoderRunnerOptions = {},
  ): Promise<DecoderRunner> {
    const decode = await createSession(graphs.decode, settings);
    let prefill: ort.InferenceSession | undefined;
    if (graphs.prefill) {
      const quantized = await hasQuantizedWeights(graphs.prefill);
      prefill = await createSession(graphs.prefill, { ...settings, prepackWeights: quantized });
    }
    return new DecoderRunner(shape, decode, prefill, options);
  }

  /**
   * Feeds `ids` after the cached tokens and returns the logits at
   * `logitIndices` (positions among `ids`; default the last one) as
   * `[L, vocab]` rows. The new tokens' K/V are appended to the cache. More
   * than {@link DecoderRunner.promptChunk} tokens run in chunks of that many
   * (the same logits, to rounding, at a fraction of the memory); a chunk that
   * fails leaves the cache as it was before the call.
   *
   * @throws RangeError when the sequence would exceed `maxLength`, or a logit
   *   index is not a position among `ids`.
   */
  async forward(ids: readonly number[], logitIndices: readonly number[] = [ids.length - 1]): Promise<Float32Array> {
    if (ids.length <= this.promptChunk) return this.forwardRun(ids, logitIndices);
    if (this.cache.length + ids.length > this.shape.maxLength) {
      throw new RangeError(
        `sequence of ${this.cache.length + ids.length} tokens exceeds maxLength ${this.shape.maxLength}`,
      );
    }
    for (const index of logitIndices) {
      if (!Number.isInteger(index) || index < 0 || index >= ids.length) {
        throw new RangeError(`logit index ${index} is not a position among the ${ids.length} tokens fed`);
      }
    }
    const { vocabSize } = this.shape;
    const logits = new Float32Array(logitIndices.length * vocabSize);
    const startLength = this.cache.length;
    try {
      for (let start = 0; start < ids.length; start += this.promptChunk) {
        const end = Math.min(start + this.promptChunk, ids.length);
        const wanted = logitIndices.flatMap((index, row) => (index >= start && index < end ? [row] : []));
        // A chunk without a requested row still returns one (the graph gathers at least one); it is dropped.
        const local = wanted.length > 0 ? wanted.map((row) => logitIndices[row]! - start) : [end - start - 1];
        const rows = await this.forwardRun(ids.slice(start, end), local);
        wanted.forEach((row, at) => {
          logits.set(rows.subarray(at * vocabSize, (at + 1) * vocabSize), row * vocabSize);
        });
      }
    } catch (error) {
      this.cache.truncate(startLength);
      this.cachedIds.length = startLength;
      throw error;
    }
    return logits;
  }

  /** One run of {@link DecoderRunner.forward}: every token of `ids` at once. */
  private async forwardRun(ids: readonly number[], logitIndices: readonly number[]): Promise<Float32Array> {
    const session = ids.length > 1 && this.prefillSession ? this.prefillSession : this.decodeSession;
    if (!session) throw new Error('DecoderRunner was disposed');
    const count = ids.length;
    if (count === 0) throw new RangeError('forward() needs at least one token');
    if (this.cache.length + count > this.shape.maxLength) {
      throw new RangeError(`sequence of ${this.cache.length + count} tokens exceeds maxLength ${this.shape.maxLength}`);
    }
    const rows = this.cache.viewRows;
    const { rowSize, numLayers } = this.shape;
    const { valueRowSize } = this.cache;
    const feeds: Record<string, ort.Tensor> = {
      ...this.idleFeeds.batch,
      [decoderIo.inputIds]: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [count]),
      [decoderIo.logitIndices]: new ort.Tensor('int64', BigInt64Array.from(logitIndices, BigInt), [
        logitIndices.length,
      ]),
    };
    for (let layer = 0; layer < numLayers; layer++) {
      feeds[decoderIo.pastKey(layer)] = new ort.Tensor('float32', this.cache.keyView(layer), [rows, rowSize]);
      if (valueRowSize > 0) {
        feeds[decoderIo.pastValue(layer)] = new ort.Tensor('float32', this.cache.valueView(layer), [
          rows,
          valueRowSize,
        ]);
      }
    }
    const outputs = await session.run(feeds, this.outputNames);
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let layer = 0; layer < numLayers; layer++) {
      keys.push(outputs[decoderIo.newKey(layer)]!.data as Float32Array);
      if (valueRowSize > 0) values.push(outputs[decoderIo.newValue(layer)]!.data as Float32Array);
    }
    // Only after the run: ORT may read the views until run() returns.
    this.cache.append(keys, values, count);
    this.cachedIds.push(...ids);
    return outputs[decoderIo.logits]!.data as Float32Array;
  }

  /**
   * One batched run over B consecutive slots of `pool` from `firstSlot`
   * (0 for a decode step): `tokens[b]` are slot `firstSlot + b`'s new tokens. Either every sequence feeds one token (a decode step over
   * its cached slot) or every slot is empty and each feeds its whole prompt
   * (right-padded to the longest in the graph). Returns the logits of each
   * sequence's last new token, `[B, vocab]`; the new K/V are appended to the
   * slots after the run.
   *
   * @throws RangeError when the graph cannot batch, the call mixes the two
   *   kinds, or a slot would exceed `maxLength`.
   */
  async forwardBatch(pool: SlotKvPool, tokens: readonly (readonly number[])[], firstSlot = 0): Promise<Float32Array> {
    const session = this.decodeSession;
    if (!session) throw new Error('DecoderRunner was disposed');
    if (!this.batchable) throw new RangeError('this graph has no batched inputs: run its sequences one at a time');
    const batch = tokens.length;
    if (batch === 0) throw new RangeError('forwardBatch() needs at least one sequence');
    const width = Math.max(...tokens.map((ids) => ids.length));
    // Prompts: several tokens each, or every slot still empty (capacity 0 is fed).
    const prompts = width > 1 || tokens.every((_, slot) => pool.length(firstSlot + slot) === 0);
    let longest = 0;
    for (let slot = 0; slot < batch; slot++) {
      const count = tokens[slot]!.length;
      if (count === 0) throw new RangeError(`sequence ${slot} feeds no token`);
      if (prompts && pool.length(firstSlot + slot) > 0) {
        throw new RangeError('a batched run of prompts needs empty slots: prefill cached sequences one at a time');
      }
      longest = Math.max(longest, pool.length(firstSlot + slot) + count);
    }
    if (!prompts && firstSlot !== 0) throw new RangeError('a batched decode step runs the slots from 0');
    pool.reserve(firstSlot + batch, longest);
    const ids = new BigInt64Array(batch * width);
    const positions = new BigInt64Array(batch * width);
    const lengths = new Int32Array(batch);
    const logitIndices = new BigInt64Array(batch);
    for (let slot = 0; slot < batch; slot++) {
      const own = tokens[slot]!;
      const past = pool.length(firstSlot + slot);
      for (let index = 0; index < width; index++) {
        // Padding rows repeat the last token; their outputs are never read.
        ids[slot * width + index] = BigInt(own[Math.min(index, own.length - 1)]!);
        positions[slot * width + index] = BigInt(past + index);
      }
      lengths[slot] = past + own.length;
      logitIndices[slot] = BigInt(slot * width + own.length - 1);
    }
    const { numLayers } = this.shape;
    const heads = this.shape.numKeyValueHeads!;
    const headDim = this.shape.headDim!;
    const capacity = prompts ? 0 : pool.capacity;
    const feeds: Record<string, ort.Tensor> = {
      ...this.idleFeeds.single,
      [decoderIo.inputIds]: new ort.Tensor('int64', ids, [ids.length]),
      [decoderIo.logitIndices]: new ort.Tensor('int64', logitIndices, [batch]),
      [decoderIo.batch.sequenceLengths]: new ort.Tensor('int32', lengths, [batch]),
      [decoderIo.batch.positions]: new ort.Tensor('int64', positions, [positions.length]),
    };
    for (let layer = 0; layer < numLayers; layer++) {
      const dims = [batch, heads, capacity, headDim];
      feeds[decoderIo.batch.slotKey(layer)] = new ort.Tensor(
        'float32',
        prompts ? new Float32Array(0) : pool.keyView(layer, batch),
        dims,
      );
      feeds[decoderIo.batch.slotValue(layer)] = new ort.Tensor(
        'float32',
        prompts ? new Float32Array(0) : pool.valueView(layer, batch),
        dims,
      );
    }
    const outputs = await session.run(feeds, this.outputNames);
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let layer = 0; layer < numLayers; layer++) {
      keys.push(outputs[decoderIo.newKey(layer)]!.data as Float32Array);
      values.push(outputs[decoderIo.newValue(layer)]!.data as Float32Array);
    }
    // Only after the run: ORT may read the views until run() returns.
    for (let slot = 0; slot < batch; slot++) {
      pool.append(firstSlot + slot, keys, values, slot * width, tokens[slot]!.length);
    }
    return outputs[decoderIo.logits]!.data as Float32Array;
  }

  /**
   * Replaces the one-sequence cache's contents by slot `slot` of `pool`
   * (holding `ids`): the sequence continues alone, and its tokens serve
   * prefix reuse afterwards.
   */
  adoptSlot(pool: SlotKvPool, slot: number, ids: readonly number[]): void {
    pool.unload(slot, this.cache);
    this.cachedIds = [...ids];
  }

  /** Token ids whose K/V the cache holds. */
  get tokenIds(): readonly number[] {
    return this.cachedIds;
  }

  /** Empties the cache. */
  reset(): void {
    this.cache.reset();
    this.cachedIds = [];
  }

  /**
   * Keeps the longest cached prefix shared with `promptIds` (at most all but
   * its last token, whose logits the caller needs) and drops the rest, so a
   * follow-up prompt (the next turn of a chat) only computes its new tokens.
   *
   * @returns how many of `promptIds` are already in the cache.
   */
  reusePrefix(promptIds: readonly number[]): number {
    const limit = Math.min(this.cachedIds.length, promptIds.length - 1);
    let shared = 0;
    while (shared < limit && this.cachedIds[shared] === promptIds[shared]) shared++;
    this.cache.truncate(shared);
    this.cachedIds.length = shared;
    return shared;
  }

  /** Releases the sessions and the cache. Safe to call twice. */
  async dispose(): Promise<void> {
    const sessions = [this.decodeSession, this.prefillSession];
    this.decodeSession = undefined;
    this.prefillSession = undefined;
    for (const session of sessions) await session?.release();
    this.cache.dispose();
    this.cachedIds = [];
  }
}
