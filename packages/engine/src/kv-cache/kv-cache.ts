/** Shape of a {@link KvCache}. */
export interface KvCacheOptions {
  /** Decoder layers. */
  numLayers: number;
  /** Floats per token per layer for K (and for V): `numKeyValueHeads * headDim`. */
  rowSize: number;
  /** Most tokens it may ever hold (the context length). */
  maxLength: number;
  /** Tokens to allocate room for at first; grows by doubling up to `maxLength`. Default 256. */
  initialCapacity?: number;
}

/**
 * The KV cache, kept in JS: one token-major `Float32Array` per layer for K and
 * one for V, `[1 + capacity, rowSize]`. Row 0 is a zero padding row the graph
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
  /** Floats per token per layer. */
  readonly rowSize: number;
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
    this.maxLength = options.maxLength;
    this.capacity = Math.min(options.maxLength, Math.max(1, options.initialCapacity ?? 256));
    this.keys = this.allocate();
    this.values = this.allocate();
  }

  /** Tokens held. */
  get length(): number {
    return this.used;
  }

  /** Bytes allocated for K and V of every layer. */
  get byteLength(): number {
    return 2 * this.numLayers * (1 + this.capacity) * this.rowSize * 4;
  }

  /** Rows of each view: the padding row and the tokens held. */
  get viewRows(): number {
    return 1 + this.used;
  }

  /** `[1 + length, rowSize]` view of layer `layer`'s keys (padding row first): no copy. */
  keyView(layer: number): Float32Array {
    return this.keys[layer]!.subarray(0, this.viewRows * this.rowSize);
  }

  /** `[1 + length, rowSize]` view of layer `layer`'s values (padding row first): no copy. */
  valueView(layer: number): Float32Array {
    return this.values[layer]!.subarray(0, this.viewRows * this.rowSize);
  }

  /**
   * Appends `count` tokens: `newKeys[layer]` and `newValues[layer]` hold
   * `[count, rowSize]` rows each.
   *
   * @throws RangeError when the cache would exceed `maxLength`.
   */
  append(newKeys: readonly Float32Array[], newValues: readonly Float32Array[], count: number): void {
    const needed = this.used + count;
    if (needed > this.maxLength) {
      throw new RangeError(`KV cache overflow: ${needed} tokens > maxLength ${this.maxLength}`);
    }
    if (needed > this.capacity) this.grow(needed);
    const offset = this.viewRows * this.rowSize;
    const size = count * this.rowSize;
    for (let layer = 0; layer < this.numLayers; layer++) {
      this.keys[layer]!.set(newKeys[layer]!.subarray(0, size), offset);
      this.values[layer]!.set(newValues[layer]!.subarray(0, size), offset);
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

  private allocate(): Float32Array[] {
    return Array.from({ length: this.numLayers }, () => new Float32Array((1 + this.capacity) * this.rowSize));
  }

  private grow(needed: number): void {
    let capacity = this.capacity;
    while (capacity < needed) capacity *= 2;
    this.capacity = Math.min(capacity, this.maxLength);
    const copy = (old: Float32Array[]) =>
      old.map((buffer) => {
        const bigger = new Float32Array((1 + this.capacity) * this.rowSize);
        bigger.set(buffer.subarray(0, this.viewRows * this.rowSize));
        return bigger;
      });
    this.keys = copy(this.keys);
    this.values = copy(this.values);
  }
}
