/** Shape of a {@link KvCache}. */
export interface KvCacheOptions {
  /** Decoder layers. */
  numLayers: number;
  /**
   * Floats per token per layer for K (and for V unless `valueRowSize` says
   * otherwise): `numKeyValueHeads * headDim` for standard attention.
   */
  rowSize: number;
  /**
   * Floats per token per layer for V, when it differs from K's `rowSize`.
   * 0 = the model keeps no values (latent attention caches one compressed row
   * per token as its "key"; the graph has no `past_value.{i}`). Default `rowSize`.
   */
  valueRowSize?: number;
  /** Most tokens it may ever hold (the context length). */
  maxLength: number;
  /** Tokens to allocate room for at first; grows by doubling up to `maxLength`. Default 256. */
  initialCapacity?: number;
}

/**
 * The KV cache, kept in JS: one token-major `Float32Array` per layer for K,
 * `[1 + capacity, keyRowSize]`, and one for V, `[1 + capacity, valueRowSize]`
 * (none when `valueRowSize` is 0: a latent-attention model caches one
 * compressed row per token). Row 0 is a zero padding row the graph
 * ignores (it keeps the input non-empty before the first token, which
 * onnxruntime's fused attention MatMul needs). Each step feeds
 * `keyView(layer)` (a `subarray`, no copy) to the graph, and {@link KvCache.append} writes the new
 * rows the graph returned. FACTS.md measured this design flat in context
 * length (step at 1536 ≈ 1.16× step at 64), where feeding back the graph's
 * full presents (transformers.js) slows 7×.
 *
 * Never append while a run that was given views of this cache is in flight.
 */
export class KvCache {
  /** Decoder layers. */
  readonly numLayers: number;
  /** Floats per token per layer of K (the name kept from when K and V were always alike). */
  readonly rowSize: number;
  /** Floats per token per layer of V; 0 when the model keeps no values. */
  readonly valueRowSize: number;
  /** Most tokens it may hold. */
  readonly maxLength: number;
  private keys: Float32Array[];
  private values: Float32Array[];
  private capacity: number;
  private used = 0;

  /** Allocates `initialCapacity` tokens of room per layer. */
  constructor(options: KvCacheOptions) {
    this.numLayers = options.numLayers;
    this.rowSize = options.rowSize;
    this.valueRowSize = options.valueRowSize ?? options.rowSize;
    if (
      !Number.isInteger(this.rowSize) ||
      this.rowSize <= 0 ||
      !Number.isInteger(this.valueRowSize) ||
      this.valueRowSize < 0
    ) {
      throw new RangeError(
        `KV cache row sizes must be integers (key > 0, value ≥ 0): got ${this.rowSize} and ${this.valueRowSize}`,
      );
    }
    this.maxLength = options.maxLength;
    this.capacity = Math.min(options.maxLength, Math.max(1, options.initialCapacity ?? 256));
    this.keys = this.allocate(this.rowSize);
    this.values = this.allocate(this.valueRowSize);
  }

  /** Floats per token per layer of K (same as {@link KvCache.rowSize}). */
  get keyRowSize(): number {
    return this.rowSize;
  }

  /** Bytes one token takes in the cache, every layer, K and V (fp32). */
  get bytesPerToken(): number {
    return this.numLayers * (this.rowSize + this.valueRowSize) * 4;
  }

  /** Tokens held. */
  get length(): number {
    return this.used;
  }

  /** Bytes allocated for K and V of every layer. */
  get byteLength(): number {
    return (1 + this.capacity) * this.bytesPerToken;
  }

  /** Rows of each view: the padding row and the tokens held. */
  get viewRows(): number {
    return 1 + this.used;
  }

  /** `[1 + length, rowSize]` view of layer `layer`'s keys (padding row first): no copy. */
  keyView(layer: number): Float32Array {
    return this.keys[layer]!.subarray(0, this.viewRows * this.rowSize);
  }

  /** `[1 + length, valueRowSize]` view of layer `layer`'s values (padding row first): no copy. Empty when the model keeps no values. */
  valueView(layer: number): Float32Array {
    return this.values[layer]!.subarray(0, this.viewRows * this.valueRowSize);
  }

  /**
   * Appends `count` tokens: `newKeys[layer]` holds `[count, rowSize]` rows,
   * `newValues[layer]` `[count, valueRowSize]` rows (pass `[]` when
   * `valueRowSize` is 0).
   *
   * @throws RangeError when the cache would exceed `maxLength`.
   */
  append(newKeys: readonly Float32Array[], newValues: readonly Float32Array[], count: number): void {
    const needed = this.used + count;
    if (needed > this.maxLength) {
      throw new RangeError(`KV cache overflow: ${needed} tokens > maxLength ${this.maxLength}`);
    }
    if (needed > this.capacity) this.grow(needed);
    const rows = this.viewRows;
    for (let layer = 0; layer < this.numLayers; layer++) {
      this.keys[layer]!.set(newKeys[layer]!.subarray(0, count * this.rowSize), rows * this.rowSize);
      if (this.valueRowSize > 0) {
        this.values[layer]!.set(newValues[layer]!.subarray(0, count * this.valueRowSize), rows * this.valueRowSize);
      }
    }
    this.used = needed;
  }

  /** Forgets every token after the first `length` (for reusing a common prefix). */
  truncate(length: number): void {
    if (length < 0 || length > this.used) throw new RangeError(`cannot truncate ${this.used} tokens to ${length}`);
    this.used = length;
  }

  /** Forgets every token; keeps the memory. */
  reset(): void {
    this.used = 0;
  }

  /** Releases the memory; the cache holds nothing afterwards and cannot grow back. */
  dispose(): void {
    this.keys = [];
    this.values = [];
    this.capacity = 0;
    this.used = 0;
  }

  private allocate(rowSize: number): Float32Array[] {
    return Array.from({ length: this.numLayers }, () => new Float32Array((1 + this.capacity) * rowSize));
  }

  private grow(needed: number): void {
    let capacity = this.capacity;
    while (capacity < needed) capacity *= 2;
    this.capacity = Math.min(capacity, this.maxLength);
    // Layer by layer, each old buffer dropped as soon as it is copied: the whole old cache never sits beside the new.
    const grow = (buffers: Float32Array[], rowSize: number) => {
      for (let layer = 0; layer < buffers.length; layer++) {
        const bigger = new Float32Array((1 + this.capacity) * rowSize);
        bigger.set(buffers[layer]!.subarray(0, this.viewRows * rowSize));
        buffers[layer] = bigger;
      }
    };
    grow(this.keys, this.rowSize);
    grow(this.values, this.valueRowSize);
  }
}
