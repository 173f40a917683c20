import { type Architecture, type DecoderShape, type HfDecoderConfig, resolveDecoderShape } from '@pio/demo';

/**
 * The key/value cache of the reference forward pass: per layer, one
 * token-major buffer for keys and one for values, `[length, kvHeads * headDim]`
 * each. Keys are stored after RoPE (and after Qwen3's `k_norm`), as
 * transformers' `DynamicCache` stores them.
 *
 * Pass the same cache to consecutive {@link referenceForward} calls to decode
 * incrementally; each call appends the rows of its new tokens.
 */
export class ReferenceKvCache {
  /** Number of decoder layers. */
  readonly numLayers: number;

  /**
   * Values per cached token per layer: `numKeyValueHeads * headDim`, or for
   * latent attention (GLM-4.7-Flash) `kvLoraRank + qkRopeHeadDim`: the normed
   * latent and the rotated shared key, as transformers caches them (the
   * values then repeat the keys' row, unused).
   */
  readonly rowSize: number;

  #length = 0;
  #capacity = 0;
  #keys: Float32Array[];
  #values: Float32Array[];

  /**
   * An empty cache.
   *
   * @param shape - The model's layer count, key/value head count and head width.
   */
  constructor(shape: Pick<DecoderShape, 'numLayers' | 'numKeyValueHeads' | 'headDim' | 'latentAttention'>) {
    this.numLayers = shape.numLayers;
    this.rowSize = referenceCacheRowSize(shape);
    this.#keys = Array.from({ length: this.numLayers }, () => new Float32Array(0));
    this.#values = Array.from({ length: this.numLayers }, () => new Float32Array(0));
  }

  /** Number of cached tokens, which is also the position of the next token. */
  get length(): number {
    return this.#length;
  }

  /**
   * The cached keys of one layer, `[length, rowSize]`, token-major. A view:
   * it is replaced when the cache grows, so read it again after each forward pass.
   */
  keys(layer: number): Float32Array {
    return this.#keys[layer]!.subarray(0, this.#length * this.rowSize);
  }

  /** The cached values of one layer, `[length, rowSize]`, token-major (see {@link ReferenceKvCache.keys}). */
  values(layer: number): Float32Array {
    return this.#values[layer]!.subarray(0, this.#length * this.rowSize);
  }

  /**
   * Makes room for `count` more tokens and counts them as cached; their rows
   * are then filled through {@link ReferenceKvCache.keys} and
   * {@link ReferenceKvCache.values}. Used by {@link referenceForward}.
   */
  extend(count: number): void {
    const needed = this.#length + count;
    if (needed > this.#capacity) {
      const capacity = Math.max(needed, this.#capacity * 2, 16);
      for (let layer = 0; layer < this.numLayers; layer++) {
        this.#keys[layer] = grown(this.#keys[layer]!, capacity * this.rowSize);
        this.#values[layer] = grown(this.#values[layer]!, capacity * this.rowSize);
      }
      this.#capacity = capacity;
    }
    this.#length = needed;
  }

  /** Forgets every token from position `length` on (to branch or retry a step). */
  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.#length) {
      throw new RangeError(
        `ReferenceKvCache.truncate: length must be an integer in [0, ${this.#length}], got ${length}`,
      );
    }
    this.#length = length;
  }

  /** An independent copy holding the same tokens. */
  clone(): ReferenceKvCache {
    const copy = new ReferenceKvCache({ numLayers: this.numLayers, numKeyValueHeads: 1, headDim: this.rowSize });
    copy.extend(this.#length);
    for (let layer = 0; layer < this.numLayers; layer++) {
      copy.keys(layer).set(this.keys(layer));
      copy.values(layer).set(this.values(layer));
    }
    return copy;
  }
}

function grown(buffer: Float32Array, size: number): Float32Array {
  const next = new Float32Array(size);
  next.set(buffer);
  return next;
}

/** Floats per token per layer a model's reference cache holds (see {@link ReferenceKvCache.rowSize}). */
export function referenceCacheRowSize(
  shape: Pick<DecoderShape, 'numKeyValueHeads' | 'headDim' | 'latentAttention'>,
): number {
  const latent = shape.latentAttention;
  return latent ? latent.kvLoraRank + latent.qkRopeHeadDim : shape.numKeyValueHeads * shape.headDim;
}

/**
 * An empty {@link ReferenceKvCache} sized for a model.
 *
 * @param architecture - `llama` or `qwen3`.
 * @param config - The model's Hugging Face `config.json`.
 * @throws ConfigError when the config is invalid (see {@link resolveDecoderShape}).
 */
export function createReferenceKvCache(architecture: Architecture, config: HfDecoderConfig): ReferenceKvCache {
  return new ReferenceKvCache(resolveDecoderShape(architecture, config));
}
