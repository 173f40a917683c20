import type { KvCache } from '../kv-cache/kv-cache.js';

/** Shape of a {@link SlotKvPool}. */
export interface SlotKvPoolOptions {
  /** Decoder layers. */
  numLayers: number;
  /** Key/value heads. */
  numKeyValueHeads: number;
  /** Size of one head. */
  headDim: number;
  /** Most tokens a slot may hold (the context length). */
  maxLength: number;
  /** Slots and tokens per slot to allocate at first (both grow by doubling). Defaults 4 and 64. */
  initialSlots?: number;
  /** Tokens per slot allocated at first. */
  initialCapacity?: number;
}

/**
 * The KV cache of a batch of sequences, kept in JS: per layer one
 * `Float32Array` for keys and one for values, `[slots, kvHeads, capacity,
 * headDim]` (BNSH, the layout `GroupQueryAttention` reads its past in), one
 * slot per sequence. A batched step feeds the first B slots as one view (no
 * copy); the graph reads only each slot's first `length(slot)` rows and
 * returns the new tokens' K/V, which {@link SlotKvPool.append} writes into
 * the slots after the run.
 *
 * Memory: `2 × layers × slots × capacity × kvHeads × headDim × 4` bytes;
 * slots and capacity double when a step needs more (one copy of the pool),
 * and never shrink until {@link SlotKvPool.dispose}.
 */
export class SlotKvPool {
  /** Decoder layers. */
  readonly numLayers: number;
  /** Key/value heads. */
  readonly numKeyValueHeads: number;
  /** Size of one head. */
  readonly headDim: number;
  /** Most tokens a slot may hold. */
  readonly maxLength: number;
  private keys: Float32Array[] = [];
  private values: Float32Array[] = [];
  private slotCount: number;
  private slotCapacity: number;
  private readonly lengths: number[] = [];

  /** Allocates `initialSlots × initialCapacity` tokens of room per layer. */
  constructor(options: SlotKvPoolOptions) {
    this.numLayers = options.numLayers;
    this.numKeyValueHeads = options.numKeyValueHeads;
    this.headDim = options.headDim;
    this.maxLength = options.maxLength;
    this.slotCount = Math.max(1, options.initialSlots ?? 4);
    this.slotCapacity = Math.min(this.maxLength, Math.max(1, options.initialCapacity ?? 64));
    this.keys = this.allocate();
    this.values = this.allocate();
  }

  /** Tokens each slot may hold before the pool grows. */
  get capacity(): number {
    return this.slotCapacity;
  }

  /** Slots allocated. */
  get slots(): number {
    return this.slotCount;
  }

  /** Bytes allocated for keys and values of every layer. */
  get byteLength(): number {
    return 2 * this.numLayers * this.slotCount * this.slotFloats() * 4;
  }

  /** Tokens held by `slot`. */
  length(slot: number): number {
    return this.lengths[slot] ?? 0;
  }

  /**
   * Makes room for `slots` slots of `tokens` tokens each (doubling, capped at
   * `maxLength` tokens). Never call while a run reads views of this pool.
   *
   * @throws RangeError when `tokens` exceeds `maxLength`.
   */
  reserve(slots: number, tokens: number): void {
    if (tokens > this.maxLength) throw new RangeError(`a slot of ${tokens} tokens exceeds maxLength ${this.maxLength}`);
    if (slots <= this.slotCount && tokens <= this.slotCapacity) return;
    let slotCount = this.slotCount;
    while (slotCount < slots) slotCount *= 2;
    let capacity = this.slotCapacity;
    while (capacity < tokens) capacity *= 2;
    capacity = Math.min(capacity, this.maxLength);
    const { numKeyValueHeads: heads, headDim } = this;
    const copy = (old: Float32Array[]) =>
      old.map((buffer) => {
        const bigger = new Float32Array(slotCount * heads * capacity * headDim);
        for (let slot = 0; slot < this.slotCount; slot++) {
          const used = this.length(slot) * headDim;
          for (let head = 0; head < heads; head++) {
            const from = (slot * heads + head) * this.slotCapacity * headDim;
            bigger.set(buffer.subarray(from, from + used), (slot * heads + head) * capacity * headDim);
          }
        }
        return bigger;
      });
    this.keys = copy(this.keys);
    this.values = copy(this.values);
    this.slotCount = slotCount;
    this.slotCapacity = capacity;
  }

  /** `[slots, kvHeads, capacity, headDim]` view of the first `slots` slots of layer `layer`'s keys: no copy. */
  keyView(layer: number, slots: number): Float32Array {
    return this.keys[layer]!.subarray(0, slots * this.slotFloats());
  }

  /** As {@link SlotKvPool.keyView}, for values. */
  valueView(layer: number, slots: number): Float32Array {
    return this.values[layer]!.subarray(0, slots * this.slotFloats());
  }

  /**
   * Appends `count` tokens to `slot`: rows `[from, from + count)` of the
   * token-major `[rows, kvHeads × headDim]` arrays `newKeys[layer]` and
   * `newValues[layer]` (what the graph returns). The slot must have room
   * ({@link SlotKvPool.reserve}).
   */
  append(
    slot: number,
    newKeys: readonly Float32Array[],
    newValues: readonly Float32Array[],
    from: number,
    count: number,
  ): void {
    const start = this.length(slot);
    if (start + count > this.slotCapacity) {
      throw new RangeError(`slot ${slot} holds ${start} of ${this.slotCapacity} tokens: no room for ${count} more`);
    }
    for (let layer = 0; layer < this.numLayers; layer++) {
      this.scatter(this.keys[layer]!, newKeys[layer]!, slot, start, from, count);
      this.scatter(this.values[layer]!, newValues[layer]!, slot, start, from, count);
    }
    this.lengths[slot] = start + count;
  }

  /** Copies the tokens of a one-sequence {@link KvCache} into `slot` (which it replaces). */
  load(slot: number, cache: KvCache): void {
    this.reserve(slot + 1, cache.length);
    this.lengths[slot] = 0;
    const rowSize = this.numKeyValueHeads * this.headDim;
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      // Row 0 of a cache view is its padding row.
      keys.push(cache.keyView(layer).subarray(rowSize));
      values.push(cache.valueView(layer).subarray(rowSize));
    }
    this.append(slot, keys, values, 0, cache.length);
  }

  /** Copies `slot`'s tokens into `cache` (emptied first): the way back to one-sequence decoding. */
  unload(slot: number, cache: KvCache): void {
    cache.reset();
    const count = this.length(slot);
    if (count === 0) return;
    const { numKeyValueHeads: heads, headDim } = this;
    const rowSize = heads * headDim;
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      keys.push(this.gather(this.keys[layer]!, slot, count, rowSize));
      values.push(this.gather(this.values[layer]!, slot, count, rowSize));
    }
    cache.append(keys, values, count);
  }

  /** Moves slot `from`'s tokens into slot `to` (keeping the batch's slots contiguous when a sequence leaves). */
  move(from: number, to: number): void {
    if (from === to) return;
    const floats = this.slotFloats();
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (const buffer of [this.keys[layer]!, this.values[layer]!]) {
        buffer.copyWithin(to * floats, from * floats, (from + 1) * floats);
      }
    }
    this.lengths[to] = this.length(from);
    this.lengths[from] = 0;
  }

  /** Empties `slot`. */
  clear(slot: number): void {
    this.lengths[slot] = 0;
  }

  /** Releases the memory. */
  dispose(): void {
    this.keys = [];
    this.values = [];
    this.lengths.length = 0;
  }

  private slotFloats(): number {
    return this.numKeyValueHeads * this.slotCapacity * this.headDim;
  }

  private allocate(): Float32Array[] {
    return Array.from({ length: this.numLayers }, () => new Float32Array(this.slotCount * this.slotFloats()));
  }

  /** Token-major rows `[from, from + count)` of `rows` into `slot` at token `start`, head by head. */
  private scatter(
    pool: Float32Array,
    rows: Float32Array,
    slot: number,
    start: number,
    from: number,
    count: number,
  ): void {
    const { numKeyValueHeads: heads, headDim, slotCapacity } = this;
    const rowSize = heads * headDim;
    for (let head = 0; head < heads; head++) {
      const base = ((slot * heads + head) * slotCapacity + start) * headDim;
      for (let token = 0; token < count; token++) {
        const source = (from + token) * rowSize + head * headDim;
        pool.set(rows.subarray(source, source + headDim), base + token * headDim);
      }
    }
  }

  /** `slot`'s first `count` tokens as token-major `[count, rowSize]` rows. */
  private gather(pool: Float32Array, slot: number, count: number, rowSize: number): Float32Array {
    const { numKeyValueHeads: heads, headDim, slotCapacity } = this;
    const out = new Float32Array(count * rowSize);
    for (let head = 0; head < heads; head++) {
      const base = (slot * heads + head) * slotCapacity * headDim;
      for (let token = 0; token < count; token++) {
        const source = base + token * headDim;
        out.set(pool.subarray(source, source + headDim), token * rowSize + head * headDim);
      }
    }
    return out;
  }
}
