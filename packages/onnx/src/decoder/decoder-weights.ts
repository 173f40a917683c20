import { GraphError } from '../errors/graph-error.js';
import type { GraphBuilder } from '../graph/graph-builder.js';
import {
  type NBitsOptions,
  type PrequantizedLinear,
  type QuantizedMatMulNBits,
  quantizeLinearNBits,
  stackPrequantized,
} from '../quantization/matmul-nbits.js';

/** Where the weights of a decoder come from: Hugging Face tensor names, read lazily as float32. */
export interface DecoderWeightSource {
  /** True when the checkpoint has the tensor. */
  has(name: string): boolean;
  /** The tensor's values as float32 (converted from F16/BF16). */
  read(name: string): Promise<Float32Array>;
  /**
   * Checks a tensor's full shape against the one the model expects, before
   * its data is read, and throws when they differ. `WeightStore` of
   * `@pio/safetensors` has it (it throws `TensorShapeError` naming the file,
   * the tensor and both shapes). Optional: a source without shapes (arrays
   * in memory) gets only a check of each tensor's element count, which
   * misses a transposed weight.
   */
  expectShape?(name: string, expected: readonly number[]): Promise<unknown>;
  /**
   * The tensor in `MatMulNBits` layout exactly as the checkpoint stores it,
   * when its storage maps onto the op bit for bit at no more than `maxBits`
   * (a GGUF Q4_0 tensor at 4 bits, Q8_0 at 8; a Q4_K with its block
   * minimums, which the graph subtracts exactly); `undefined` otherwise, and
   * the weight is then read as float32 and quantized. A source may be told
   * to keep a file's own precision and hand over more bits than `maxBits`
   * (the GGUF source's `keepStoredUpTo`: a Q4_K_M file's Q6_K tensors at 8).
   * Optional: sources of float weights (safetensors) do not have it.
   */
  readPrequantized?(name: string, maxBits: 4 | 8): Promise<PrequantizedLinear | undefined>;
}

/**
 * A linear layer read and not yet added ({@link DecoderWeights.readLinearLayer}):
 * its float32 weight `[sum of rows, inFeatures]` and bias, or the quantized
 * groups a quantized checkpoint stores (one per run of parts of one layout).
 */
export type ReadLinear =
  | { weight: Float32Array; bias: Float32Array | undefined }
  | { groups: readonly { weight: QuantizedMatMulNBits; bias: Float32Array | undefined }[] };

/** How linear weights are stored in the graph. */
export type DecoderWeightFormat =
  | { kind: 'float32' }
  | ({
      kind: 'nbits';
      accuracyLevel?: 0 | 1 | 2 | 3 | 4;
      /**
       * The block of the quantized embedding table, when it differs from
       * `blockSize`: `GatherBlockQuantized` needs whole blocks per row, while
       * `MatMulNBits` pads the last block of a row (the layers may use a
       * larger block than the hidden size divides by). A tied LM head
       * multiplies by the table, so it has this block too.
       */
      embeddingBlockSize?: NBitsOptions['blockSize'];
    } & NBitsOptions);

/** One checkpoint tensor of a (possibly fused) linear layer: `<tensor>.weight` `[rows, inFeatures]`, optional `<tensor>.bias` `[rows]`. */
export interface LinearPart {
  /** The checkpoint name without `.weight`, e.g. `model.layers.0.self_attn.q_proj`. */
  tensor: string;
  /** Output features of this part. */
  rows: number;
  /** A factor folded into the part's weight and bias (the attention's `1/sqrt(headDim)`). */
  scale?: number;
}

/** A linear layer `y = x · Wᵀ + b` read from one or more checkpoint tensors fused by rows. */
export interface LinearSpec {
  /** The layer's name in the graph (`model.layers.0.self_attn.qkv_proj`). */
  name: string;
  /** The checkpoint tensors, concatenated by rows in this order (Q, K, V or gate, up). */
  parts: readonly LinearPart[];
  /** Input features. */
  inFeatures: number;
  /**
   * `true`: every part must have a bias (`attention_bias`); `false` (default):
   * biases the checkpoint has are used, missing ones are zero.
   */
  bias?: boolean;
  /** Store this layer in another format than the decoder's (a router kept in float32). */
  format?: DecoderWeightFormat;
}

/**
 * The one place a decoder graph reads its weights: tensor names and full
 * shapes checked before reading (a transposed weight is refused even though
 * its element count is right), F16/BF16 converted by the source, parameters
 * counted, linear layers fused by rows and stored as `Gemm` (float32) or
 * `MatMulNBits` (int4/int8). Every block reads through it, so a model's
 * blocks never repeat naming, fusing or quantization.
 */
export class DecoderWeights {
  /** Parameters read so far. */
  parameters = 0;

  /**
   * @param source the checkpoint's tensors
   * @param format how linear layers are stored
   * @param graphName the graph named in errors
   */
  constructor(
    readonly source: DecoderWeightSource,
    readonly format: DecoderWeightFormat,
    readonly graphName = 'decoder',
  ) {}

  /** True when the checkpoint has `name`. */
  has(name: string): boolean {
    return this.source.has(name);
  }

  /**
   * Reads a tensor, checking its full shape first.
   *
   * @throws {GraphError} when the tensor is missing or has the wrong element count
   * @throws whatever the source's `expectShape` throws for a wrong shape (`TensorShapeError`)
   */
  async read(name: string, shape: readonly number[]): Promise<Float32Array> {
    if (!this.source.has(name)) this.fail(name, 'is missing from the checkpoint, but its config.json implies it');
    await this.source.expectShape?.(name, shape);
    const data = await this.source.read(name);
    const size = shape.reduce((product, dim) => product * dim, 1);
    if (data.length !== size) this.fail(name, `has ${data.length} values, but config.json implies ${size}`);
    this.parameters += data.length;
    return data;
  }

  /** Reads `name` when `wanted` or when the checkpoint has it; `undefined` otherwise. */
  async optional(name: string, shape: readonly number[], wanted: boolean): Promise<Float32Array | undefined> {
    return wanted || this.source.has(name) ? this.read(name, shape) : undefined;
  }

  /** Reads a norm weight `[size]` and adds it as an initializer of the same name; returns the initializer. */
  async normWeight(g: GraphBuilder, name: string, size: number): Promise<string> {
    return g.initializer(name, await this.read(name, [size]), [size]);
  }

  /**
   * Reads, fuses and stores a linear layer and adds `x · Wᵀ + b` to the
   * graph: `Gemm` with transB over the Hugging Face `[out, in]` layout (no
   * transposed copy), or `MatMulNBits` over its quantized form. Weights are
   * read in part order, then biases, so errors name the first tensor that
   * does not fit.
   *
   * Parts the source stores quantized (a GGUF) go in as stored, never
   * through float32. When the parts end up in different layouts (a Q4_K_M
   * file's Q4_K q/k and Q6_K v, or a stored part beside one quantized here),
   * each run of consecutive parts of one layout is its own `MatMulNBits`
   * and the outputs are concatenated.
   *
   * @returns the output `[..., sum of rows]`
   */
  async linear(g: GraphBuilder, x: string, spec: LinearSpec): Promise<string> {
    return this.addReadLinear(g, x, spec, await this.readLinearLayer(spec));
  }

  /**
   * Reads a linear layer as {@link DecoderWeights.linear} would add it, without
   * adding it: the parts the source stores quantized as stored (grouped by
   * layout), or the float32 weight and bias. For graphs built inside an `If`
   * branch, whose builder is synchronous (the experts of a mixture).
   */
  async readLinearLayer(spec: LinearSpec): Promise<ReadLinear> {
    const groups = await this.readStoredLinear(spec);
    return groups ? { groups } : this.readLinear(spec);
  }

  /**
   * Adds a layer from {@link DecoderWeights.readLinearLayer} (synchronous):
   * one `Gemm` or `MatMulNBits`, or one `MatMulNBits` per layout group and a
   * `Concat` of their outputs.
   *
   * @returns the output `[..., sum of rows]`
   */
  addReadLinear(
    g: GraphBuilder,
    x: string,
    spec: Pick<LinearSpec, 'name' | 'inFeatures' | 'format'>,
    read: ReadLinear,
  ): string {
    if (!('groups' in read)) return this.addLinear(g, x, spec, read.weight, read.bias);
    const { groups } = read;
    if (groups.length === 1) return this.addLinear(g, x, spec, groups[0]!.weight, groups[0]!.bias);
    const outputs = groups.map((group, index) =>
      this.addLinear(g, x, { ...spec, name: `${spec.name}.${index}` }, group.weight, group.bias),
    );
    return g.concat(outputs, -1, { name: `${spec.name}/Concat` });
  }

  /**
   * One weight `[rows, inFeatures]` as the source stores it in `MatMulNBits`
   * layout at no more than the decoder format's bits (see
   * {@link DecoderWeights.linear}); `undefined` when the format is float or
   * the source stores it otherwise (then read it as float32).
   *
   * @param options `gatherable`: only a layout `GatherBlockQuantized` can
   *   look rows up in (no zero points; block minimums are subtracted after
   *   the lookup), for an embedding table
   */
  async prequantized(
    tensor: string,
    rows: number,
    inFeatures: number,
    options: { gatherable?: boolean } = {},
  ): Promise<QuantizedMatMulNBits | undefined> {
    const [stored] = (await this.readStoredParts({ name: tensor, parts: [{ tensor, rows }], inFeatures })) ?? [];
    if (!stored || (options.gatherable && stored.zeroPoints !== undefined)) return undefined;
    this.parameters += stored.N * stored.K;
    return stackPrequantized([{ weight: stored }]);
  }

  /**
   * Each part of a linear layer as the source stores it in `MatMulNBits`
   * layout at no more than the format's bits (`undefined` for a part stored
   * otherwise), or `undefined` for the whole layer when the format is float,
   * the layer has its own format, or the source has no quantized storage.
   * Shapes are checked; nothing is counted.
   */
  private async readStoredParts(spec: LinearSpec): Promise<(PrequantizedLinear | undefined)[] | undefined> {
    const format = spec.format ?? this.format;
    if (format.kind !== 'nbits' || spec.format || !this.source.readPrequantized) return undefined;
    const parts: (PrequantizedLinear | undefined)[] = [];
    for (const part of spec.parts) {
      const name = `${part.tensor}.weight`;
      if (!this.source.has(name)) this.fail(name, 'is missing from the checkpoint, but its config.json implies it');
      await this.source.expectShape?.(name, [part.rows, spec.inFeatures]);
      parts.push(await this.source.readPrequantized(name, format.bits));
    }
    return parts;
  }

  /**
   * A linear layer with at least one part the source stores in
   * `MatMulNBits` layout (a quantized GGUF): those parts as stored, the
   * others read as float32 and quantized at the format, each part's
   * `scale` folded into its scales (and minimums) and bias; then runs of
   * consecutive parts of one layout stacked by rows. One group when every
   * part shares a layout. `undefined` when no part is stored quantized:
   * the caller then reads the whole layer as float32.
   */
  private async readStoredLinear(
    spec: LinearSpec,
  ): Promise<{ weight: QuantizedMatMulNBits; bias: Float32Array | undefined }[] | undefined> {
    const stored = await this.readStoredParts(spec);
    if (!stored?.some((weight) => weight !== undefined)) return undefined;
    const format = this.format as NBitsFormat;
    const weights: PrequantizedLinear[] = [];
    for (const [index, part] of spec.parts.entries()) {
      const own = stored[index];
      if (own) this.parameters += own.N * own.K;
      // A part stored otherwise (a float tensor, or more bits than the format) is quantized here at the format.
      weights.push(
        own ??
          this.quantize(
            await this.read(`${part.tensor}.weight`, [part.rows, spec.inFeatures]),
            part.rows,
            spec.inFeatures,
            format,
          ),
      );
    }
    const biases: (Float32Array | undefined)[] = [];
    for (const part of spec.parts)
      biases.push(await this.optional(`${part.tensor}.bias`, [part.rows], spec.bias === true));
    const layout = (weight: PrequantizedLinear) =>
      `${weight.bits}/${weight.blockSize}/${weight.zeroPoints ? 'z' : ''}/${weight.blockMins ? 'm' : ''}`;
    const groups: { weight: QuantizedMatMulNBits; bias: Float32Array | undefined }[] = [];
    for (let start = 0; start < weights.length; ) {
      let end = start + 1;
      while (end < weights.length && layout(weights[end]!) === layout(weights[start]!)) end++;
      const members = spec.parts.slice(start, end).map((part, offset) => ({ part, index: start + offset }));
      const weight = stackPrequantized(
        members.map(({ part, index }) => ({
          weight: weights[index]!,
          ...(part.scale !== undefined ? { scale: part.scale } : {}),
        })),
      );
      const bias = members.some(({ index }) => biases[index] !== undefined)
        ? concatRows(members.map(({ part, index }) => scaled(biases[index] ?? new Float32Array(part.rows), part.scale)))
        : undefined;
      groups.push({ weight, bias });
      start = end;
    }
    return groups;
  }

  /** Reads and fuses a linear layer's weight `[sum of rows, inFeatures]` and bias, without adding it to a graph. */
  async readLinear(spec: LinearSpec): Promise<{ weight: Float32Array; bias: Float32Array | undefined }> {
    const { parts, inFeatures } = spec;
    const weights: Float32Array[] = [];
    for (const part of parts) weights.push(await this.read(`${part.tensor}.weight`, [part.rows, inFeatures]));
    const biases: (Float32Array | undefined)[] = [];
    for (const part of parts) biases.push(await this.optional(`${part.tensor}.bias`, [part.rows], spec.bias === true));
    const weight = concatRows(weights.map((w, index) => scaled(w, parts[index]!.scale)));
    const bias = biases.some((b) => b !== undefined)
      ? concatRows(biases.map((b, index) => scaled(b ?? new Float32Array(parts[index]!.rows), parts[index]!.scale)))
      : undefined;
    return { weight, bias };
  }

  /** Adds a linear layer of an already-read weight `[outFeatures, inFeatures]` (see {@link DecoderWeights.linear}). */
  addLinear(
    g: GraphBuilder,
    x: string,
    spec: Pick<LinearSpec, 'name' | 'inFeatures' | 'format'>,
    weight: Float32Array | QuantizedMatMulNBits,
    bias?: Float32Array,
  ): string {
    const { name, inFeatures } = spec;
    const format = spec.format ?? this.format;
    const outFeatures = weight instanceof Float32Array ? weight.length / inFeatures : weight.N;
    const biasName = bias ? g.initializer(`${name}.bias`, bias, [outFeatures]) : undefined;
    if (weight instanceof Float32Array && format.kind === 'float32') {
      const initializer = g.initializer(`${name}.weight`, weight, [outFeatures, inFeatures]);
      return g.gemm(x, initializer, biasName, { transB: true });
    }
    const quantized =
      weight instanceof Float32Array ? this.quantize(weight, outFeatures, inFeatures, format as NBitsFormat) : weight;
    const accuracyLevel = format.kind === 'nbits' ? (format.accuracyLevel ?? 0) : 0;
    return g.quantizedMatMul(x, name, quantized, { accuracyLevel, ...(biasName ? { bias: biasName } : {}) });
  }

  /** Quantizes a `[N, K]` weight in `format` (the decoder's when omitted). */
  quantize(
    weight: Float32Array,
    N: number,
    K: number,
    format: NBitsFormat = this.format as NBitsFormat,
  ): QuantizedMatMulNBits {
    return quantizeLinearNBits(weight, N, K, format);
  }

  /** Throws the error of a weight that does not fit the options (from config.json). */
  fail(tensor: string, detail: string): never {
    throw new GraphError({
      graphName: this.graphName,
      issues: [
        { problem: 'invalid-initializer', tensor, detail: `${detail}: the checkpoint does not match its config.json` },
      ],
      hint: 'Use the config.json that came with these weights, or re-download the checkpoint (or re-export it with save_pretrained) so weights and config agree.',
    });
  }
}

/** The N-bit weight format. */
export type NBitsFormat = Extract<DecoderWeightFormat, { kind: 'nbits' }>;

function concatRows(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function scaled(values: Float32Array, factor: number | undefined): Float32Array {
  if (factor === undefined || factor === 1) return values;
  return values.map((value) => value * factor);
}
