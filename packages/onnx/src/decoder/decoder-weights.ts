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
   * (a GGUF Q4_0 tensor at 4 bits, Q8_0 at 8); `undefined` otherwise, and
   * the weight is then read as float32 and quantized. Optional: sources of
   * float weights (safetensors) do not have it.
   */
  readPrequantized?(name: string, maxBits: 4 | 8): Promise<PrequantizedLinear | undefined>;
}

/** How linear weights are stored in the graph. */
export type DecoderWeightFormat =
  | { kind: 'float32' }
  | ({ kind: 'nbits'; accuracyLevel?: 0 | 1 | 2 | 3 | 4 } & NBitsOptions);

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
   * @returns the output `[..., sum of rows]`
   */
  async linear(g: GraphBuilder, x: string, spec: LinearSpec): Promise<string> {
    const prequantized = await this.readPrequantizedLinear(spec);
    if (prequantized) return this.addLinear(g, x, spec, prequantized.weight, prequantized.bias);
    const { weight, bias } = await this.readLinear(spec);
    return this.addLinear(g, x, spec, weight, bias);
  }

  /**
   * One weight `[rows, inFeatures]` as the source stores it in `MatMulNBits`
   * layout at no more than the decoder format's bits (see
   * {@link DecoderWeights.linear}); `undefined` when the format is float or
   * the source stores it otherwise (then read it as float32).
   */
  async prequantized(tensor: string, rows: number, inFeatures: number): Promise<QuantizedMatMulNBits | undefined> {
    return (await this.readPrequantizedLinear({ name: tensor, parts: [{ tensor, rows }], inFeatures }))?.weight;
  }

  /**
   * A linear layer whose every part the source stores in `MatMulNBits`
   * layout at no more than the format's bits (a quantized GGUF): stacked by
   * rows as stored, never through float32, so the graph multiplies by the
   * file's very weights. `undefined` when the format is float, the layer has
   * its own format, or some part is not stored that way (or the parts differ
   * in layout): the caller then reads the layer as float32.
   */
  private async readPrequantizedLinear(
    spec: LinearSpec,
  ): Promise<{ weight: QuantizedMatMulNBits; bias: Float32Array | undefined } | undefined> {
    const format = spec.format ?? this.format;
    if (format.kind !== 'nbits' || spec.format || !this.source.readPrequantized) return undefined;
    const parts: { weight: PrequantizedLinear; scale?: number }[] = [];
    for (const part of spec.parts) {
      const name = `${part.tensor}.weight`;
      if (!this.source.has(name)) this.fail(name, 'is missing from the checkpoint, but its config.json implies it');
      await this.source.expectShape?.(name, [part.rows, spec.inFeatures]);
      const weight = await this.source.readPrequantized(name, format.bits);
      if (!weight) return undefined;
      parts.push({ weight, ...(part.scale !== undefined ? { scale: part.scale } : {}) });
    }
    const layouts = new Set(
      parts.map(({ weight }) => `${weight.bits}/${weight.blockSize}/${weight.zeroPoints ? 'z' : ''}`),
    );
    if (layouts.size > 1) return undefined;
    const biases: (Float32Array | undefined)[] = [];
    for (const part of spec.parts)
      biases.push(await this.optional(`${part.tensor}.bias`, [part.rows], spec.bias === true));
    this.parameters += parts.reduce((sum, { weight }) => sum + weight.N * weight.K, 0);
    const bias = biases.some((b) => b !== undefined)
      ? concatRows(
          biases.map((b, index) => scaled(b ?? new Float32Array(spec.parts[index]!.rows), spec.parts[index]!.scale)),
        )
      : undefined;
    return { weight: stackPrequantized(parts), bias };
  }

  /**
   * Reads a linear layer without adding it to a graph, as
   * {@link DecoderWeights.linear} would store it: in `MatMulNBits` layout as
   * the source stores it when every part maps at the format's bits (a
   * quantized GGUF), else as float32 (fused, for {@link DecoderWeights.addLinear}
   * to store in the format). For layers added later, inside an `If` branch.
   */
  async readStoredLinear(
    spec: LinearSpec,
  ): Promise<{ weight: Float32Array | QuantizedMatMulNBits; bias: Float32Array | undefined }> {
    return (await this.readPrequantizedLinear(spec)) ?? (await this.readLinear(spec));
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
