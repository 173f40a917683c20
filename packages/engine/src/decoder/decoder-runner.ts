import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
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

  private constructor(shape: DecoderShape, decode: ort.InferenceSession, prefill: ort.InferenceSession | undefined) {
    this.shape = shape;
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
  ): Promise<DecoderRunner> {
    const decode = await createSession(graphs.decode, settings);
    let prefill: ort.InferenceSession | undefined;
    if (graphs.prefill) {
      const quantized = await hasQuantizedWeights(graphs.prefill);
      prefill = await createSession(graphs.prefill, { ...settings, prepackWeights: quantized });
    }
    return new DecoderRunner(shape, decode, prefill);
  }

  /**
   * Feeds `ids` after the cached tokens and returns the logits at
   * `logitIndices` (positions among `ids`; default the last one) as
   * `[L, vocab]` rows. The new tokens' K/V are appended to the cache.
   *
   * @throws RangeError when the sequence would exceed `maxLength`.
   */
  async forward(ids: readonly number[], logitIndices: readonly number[] = [ids.length - 1]): Promise<Float32Array> {
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
