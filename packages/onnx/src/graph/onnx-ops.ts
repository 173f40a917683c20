import { type ElemType, onnxDataType } from '../tensor/elem-type.js';
import { float32ToFloat16 } from '../tensor/float16.js';
import { attr, type TypedAttribute } from './attributes.js';
import { GraphCore, type NodeOptions } from './graph-core.js';

/** A tensor name, or int64 values to pass as a constant (shapes, axes, starts, ends). */
export type IntsInput = string | readonly number[];

/** Output naming of ops with several outputs. */
export interface MultiOutputOptions {
  /** Node name within the current scope. */
  name?: string;
  /** Exact output tensor names, one per output (`null` for a generated one). */
  outputs?: readonly (string | null)[];
}

/** Inputs of the opset-23 {@link OnnxOps.attention}. */
export interface AttentionInputs {
  /** Query: `[batch, q_seq, q_heads * head_size]` or `[batch, q_heads, q_seq, head_size]`. */
  query: string;
  /** Key, 3-D or 4-D like the query, with `kv_heads`. */
  key: string;
  /** Value, 3-D or 4-D like the key. */
  value: string;
  /** Boolean mask (true = attend) or float bias added to Q·Kᵀ, broadcastable to `[batch, heads, q_seq, total_seq]`. */
  attnMask?: string;
  /** Past keys `[batch, kv_heads, past_seq, head_size]`. */
  pastKey?: string;
  /** Past values `[batch, kv_heads, past_seq, head_size]`. */
  pastValue?: string;
}

/** Attributes of the opset-23 {@link OnnxOps.attention}. */
export interface AttentionAttributes {
  /** Query heads; required with 3-D inputs. */
  qNumHeads?: number;
  /** Key/value heads; required with 3-D inputs. */
  kvNumHeads?: number;
  /** Causal (upper-left aligned) masking. Default false. */
  isCausal?: boolean;
  /** Scale of Q·Kᵀ; default 1/sqrt(head_size). */
  scale?: number;
  /** Soft cap on attention scores; 0 (default) is none. */
  softcap?: number;
  /** Precision of the softmax, as an ONNX data type; default the input type. */
  softmaxPrecision?: ElemType;
}

/** Outputs of attention ops: the attended values and, when asked for, the new K/V caches. */
export interface AttentionOutputs {
  /** `[batch, seq, heads * head_size]` (or 4-D for 4-D inputs). */
  output: string;
  /** Past plus new keys, `''` when not requested. */
  presentKey: string;
  /** Past plus new values, `''` when not requested. */
  presentValue: string;
}

/** Naming and present outputs of attention ops. */
export interface AttentionOptions extends NodeOptions {
  /**
   * Whether to produce the present key/value outputs (default true), or their
   * exact names.
   */
  presents?: boolean | { key: string; value: string };
}

/**
 * Typed helpers for the default-domain ONNX ops a decoder-only LLM needs,
 * over {@link GraphCore}. Each returns its output tensor name. Inputs given as
 * number lists become shared int64 constants.
 */
export class OnnxOps extends GraphCore {
  /**
   * `Gather`: rows of `data` selected by `indices` (an embedding lookup).
   *
   * @param data tensor to gather from
   * @param indices int32/int64 indices
   * @param axis axis of `data` to index; default 0
   * @param options node and output names
   */
  gather(data: string, indices: string, axis = 0, options?: NodeOptions): string {
    return this.single('Gather', [data, indices], { axis: attr.int(axis) }, options);
  }

  /**
   * `MatMul` with numpy broadcasting: `a[..., M, K] × b[..., K, N]`.
   *
   * @param a left operand
   * @param b right operand (weights `[K, N]`)
   * @param options node and output names
   */
  matMul(a: string, b: string, options?: NodeOptions): string {
    return this.single('MatMul', [a, b], {}, options);
  }

  /**
   * `Gemm`: `alpha · op(a) × op(b) + beta · c` on 2-D tensors.
   *
   * @param a `[M, K]` (or `[K, M]` with `transA`)
   * @param b `[K, N]` (or `[N, K]` with `transB`, the Hugging Face Linear layout)
   * @param c optional bias, broadcast to `[M, N]`
   * @param attributes alpha, beta (default 1), transA, transB (default false)
   * @param options node and output names
   */
  gemm(
    a: string,
    b: string,
    c?: string,
    attributes: { alpha?: number; beta?: number; transA?: boolean; transB?: boolean } = {},
    options?: NodeOptions,
  ): string {
    return this.single(
      'Gemm',
      [a, b, c],
      {
        alpha: attr.float(attributes.alpha ?? 1),
        beta: attr.float(attributes.beta ?? 1),
        transA: attr.int(attributes.transA ? 1 : 0),
        transB: attr.int(attributes.transB ? 1 : 0),
      },
      options,
    );
  }

  /**
   * `Add` (broadcasting).
   *
   * @param a left
   * @param b right
   * @param options node and output names
   */
  add(a: string, b: string, options?: NodeOptions): string {
    return this.single('Add', [a, b], {}, options);
  }

  /**
   * `Sub` (broadcasting): `a - b`.
   *
   * @param a left
   * @param b right
   * @param options node and output names
   */
  sub(a: string, b: string, options?: NodeOptions): string {
    return this.single('Sub', [a, b], {}, options);
  }

  /**
   * `Mul` (broadcasting).
   *
   * @param a left
   * @param b right
   * @param options node and output names
   */
  mul(a: string, b: string, options?: NodeOptions): string {
    return this.single('Mul', [a, b], {}, options);
  }

  /**
   * `Div` (broadcasting): `a / b`.
   *
   * @param a left
   * @param b right
   * @param options node and output names
   */
  div(a: string, b: string, options?: NodeOptions): string {
    return this.single('Div', [a, b], {}, options);
  }

  /**
   * `Pow` (broadcasting): `x ^ y`.
   *
   * @param x base
   * @param y exponent
   * @param options node and output names
   */
  pow(x: string, y: string, options?: NodeOptions): string {
    return this.single('Pow', [x, y], {}, options);
  }

  /**
   * `Neg`: `-x`.
   *
   * @param x input
   * @param options node and output names
   */
  neg(x: string, options?: NodeOptions): string {
    return this.single('Neg', [x], {}, options);
  }

  /**
   * `Sqrt`.
   *
   * @param x input
   * @param options node and output names
   */
  sqrt(x: string, options?: NodeOptions): string {
    return this.single('Sqrt', [x], {}, options);
  }

  /**
   * `Reciprocal`: `1 / x`.
   *
   * @param x input
   * @param options node and output names
   */
  reciprocal(x: string, options?: NodeOptions): string {
    return this.single('Reciprocal', [x], {}, options);
  }

  /**
   * `Sigmoid`.
   *
   * @param x input
   * @param options node and output names
   */
  sigmoid(x: string, options?: NodeOptions): string {
    return this.single('Sigmoid', [x], {}, options);
  }

  /**
   * `Tanh`.
   *
   * @param x input
   * @param options node and output names
   */
  tanh(x: string, options?: NodeOptions): string {
    return this.single('Tanh', [x], {}, options);
  }

  /**
   * `Identity`: a copy under another name.
   *
   * @param x input
   * @param options node and output names
   */
  identity(x: string, options?: NodeOptions): string {
    return this.single('Identity', [x], {}, options);
  }

  /**
   * `ReduceMean` over `axes` (an input from opset 18, an attribute before).
   *
   * @param x input
   * @param axes axes to reduce, negative from the end
   * @param keepdims keep reduced axes as size 1; default true
   * @param options node and output names
   */
  reduceMean(x: string, axes: readonly number[], keepdims = true, options?: NodeOptions): string {
    const keep = attr.int(keepdims ? 1 : 0);
    if ((this.opsetVersion() ?? 0) >= 18)
      return this.single('ReduceMean', [x, this.constInt64(axes)], { keepdims: keep }, options);
    return this.single('ReduceMean', [x], { axes: attr.ints(axes), keepdims: keep }, options);
  }

  /**
   * `ReduceSum` over `axes`.
   *
   * @param x input
   * @param axes axes to reduce, negative from the end
   * @param keepdims keep reduced axes as size 1; default true
   * @param options node and output names
   */
  reduceSum(x: string, axes: readonly number[], keepdims = true, options?: NodeOptions): string {
    return this.single('ReduceSum', [x, this.constInt64(axes)], { keepdims: attr.int(keepdims ? 1 : 0) }, options);
  }

  /**
   * `Softmax` along one axis.
   *
   * @param x input
   * @param axis default -1
   * @param options node and output names
   */
  softmax(x: string, axis = -1, options?: NodeOptions): string {
    return this.single('Softmax', [x], { axis: attr.int(axis) }, options);
  }

  /**
   * `Reshape`; in `shape`, 0 copies the input dimension and -1 is inferred.
   *
   * @param x input
   * @param shape target shape, as values or an int64 tensor
   * @param options node and output names
   */
  reshape(x: string, shape: IntsInput, options?: NodeOptions): string {
    return this.single('Reshape', [x, this.ints(shape)], {}, options);
  }

  /**
   * `Transpose`.
   *
   * @param x input
   * @param perm output axis i is input axis `perm[i]`
   * @param options node and output names
   */
  transpose(x: string, perm: readonly number[], options?: NodeOptions): string {
    return this.single('Transpose', [x], { perm: attr.ints(perm) }, options);
  }

  /**
   * `Concat` along `axis`.
   *
   * @param inputs tensors to join
   * @param axis join axis, negative from the end
   * @param options node and output names
   */
  concat(inputs: readonly string[], axis: number, options?: NodeOptions): string {
    return this.single('Concat', inputs, { axis: attr.int(axis) }, options);
  }

  /**
   * `Slice`.
   *
   * @param x input
   * @param range starts and ends (exclusive), optionally axes and steps
   * @param options node and output names
   */
  slice(
    x: string,
    range: { starts: IntsInput; ends: IntsInput; axes?: IntsInput; steps?: IntsInput },
    options?: NodeOptions,
  ): string {
    const { starts, ends, axes, steps } = range;
    return this.single(
      'Slice',
      [
        x,
        this.ints(starts),
        this.ints(ends),
        axes === undefined ? undefined : this.ints(axes),
        steps === undefined ? undefined : this.ints(steps),
      ],
      {},
      options,
    );
  }

  /**
   * `Split` into pieces of `sizes`, or into `numOutputs` equal pieces.
   *
   * @param x input
   * @param split axis (default 0) and either `sizes` or `numOutputs`
   * @param options node name and exact output names
   * @returns one tensor name per piece
   */
  split(
    x: string,
    split: { axis?: number; sizes?: readonly number[]; numOutputs?: number },
    options: MultiOutputOptions = {},
  ): string[] {
    const axis = attr.int(split.axis ?? 0);
    const count = split.sizes?.length ?? split.numOutputs;
    if (count === undefined || count < 1) this.invalidArgument('Split', 'give either sizes or numOutputs (at least 1)');
    const outputs = options.outputs ?? Array.from({ length: count }, () => null);
    if (outputs.length !== count) this.invalidArgument('Split', `${outputs.length} output names for ${count} pieces`);
    if (split.sizes) {
      return this.op('Split', [x, this.constInt64(split.sizes)], { axis }, { name: options.name, outputs });
    }
    const attributes = (this.opsetVersion() ?? 0) >= 18 ? { axis, num_outputs: attr.int(count) } : { axis };
    return this.op('Split', [x], attributes, { name: options.name, outputs });
  }

  /**
   * `Squeeze`: removes size-1 axes.
   *
   * @param x input
   * @param axes axes to remove; all size-1 axes when omitted
   * @param options node and output names
   */
  squeeze(x: string, axes?: IntsInput, options?: NodeOptions): string {
    return this.single('Squeeze', [x, axes === undefined ? undefined : this.ints(axes)], {}, options);
  }

  /**
   * `Unsqueeze`: inserts size-1 axes.
   *
   * @param x input
   * @param axes positions of the new axes in the output
   * @param options node and output names
   */
  unsqueeze(x: string, axes: IntsInput, options?: NodeOptions): string {
    return this.single('Unsqueeze', [x, this.ints(axes)], {}, options);
  }

  /**
   * `Shape`: the int64 shape of `x`, optionally a slice of it (opset 15+ for start/end).
   *
   * @param x input
   * @param range first (inclusive) and last (exclusive) axis
   * @param options node and output names
   */
  shape(x: string, range: { start?: number; end?: number } = {}, options?: NodeOptions): string {
    if (range.start !== undefined || range.end !== undefined) this.requireOpset('Shape', 15);
    return this.single(
      'Shape',
      [x],
      {
        start: range.start === undefined ? undefined : attr.int(range.start),
        end: range.end === undefined ? undefined : attr.int(range.end),
      },
      options,
    );
  }

  /**
   * `Expand`: broadcasts `x` to `shape`.
   *
   * @param x input
   * @param shape target shape
   * @param options node and output names
   */
  expand(x: string, shape: IntsInput, options?: NodeOptions): string {
    return this.single('Expand', [x, this.ints(shape)], {}, options);
  }

  /**
   * `Cast` to another element type.
   *
   * @param x input
   * @param to target element type
   * @param options node and output names
   */
  cast(x: string, to: ElemType, options?: NodeOptions): string {
    return this.single('Cast', [x], { to: attr.int(onnxDataType[to]) }, options);
  }

  /**
   * `Where`: `condition ? x : y`, broadcasting.
   *
   * @param condition bool tensor
   * @param x taken where true
   * @param y taken where false
   * @param options node and output names
   */
  where(condition: string, x: string, y: string, options?: NodeOptions): string {
    return this.single('Where', [condition, x, y], {}, options);
  }

  /**
   * `Equal`: elementwise `a == b` as bool.
   *
   * @param a left
   * @param b right
   * @param options node and output names
   */
  equal(a: string, b: string, options?: NodeOptions): string {
    return this.single('Equal', [a, b], {}, options);
  }

  /**
   * `Range`: `start, start + delta, ...` below `limit`. Numbers become scalar
   * constants of `elemType`.
   *
   * @param start first value
   * @param limit exclusive end
   * @param delta step; default 1
   * @param elemType type of number arguments: `int64` (default), `int32` or `float32`
   * @param options node and output names
   */
  range(
    start: string | number,
    limit: string | number,
    delta: string | number = 1,
    elemType: 'int64' | 'int32' | 'float32' = 'int64',
    options?: NodeOptions,
  ): string {
    const scalar = (value: string | number): string => {
      if (typeof value === 'string') return value;
      if (elemType === 'int64') return this.constInt64(value);
      return elemType === 'int32' ? this.constInt32(value) : this.constFloat32(value);
    };
    return this.single('Range', [scalar(start), scalar(limit), scalar(delta)], {}, options);
  }

  /**
   * `ConstantOfShape`: a tensor of `shape` filled with `value`.
   *
   * @param shape int64 shape, as values or a tensor
   * @param value fill value; default 0
   * @param elemType element type: `float32` (default), `int64`, `int32`, `bool`, ...
   * @param options node and output names
   */
  constantOfShape(shape: IntsInput, value = 0, elemType: ElemType = 'float32', options?: NodeOptions): string {
    const fill = scalarTensorAttribute(value, elemType);
    if (!fill) this.invalidArgument('ConstantOfShape', `cannot fill ${elemType} values`);
    return this.single('ConstantOfShape', [this.ints(shape)], { value: fill }, options);
  }

  /**
   * `Trilu`: keeps the upper (default) or lower triangle of the last two axes.
   *
   * @param x input
   * @param triangle `upper` (default true) and diagonal offset `k` (number or int64 scalar tensor)
   * @param options node and output names
   */
  trilu(x: string, triangle: { upper?: boolean; k?: number | string } = {}, options?: NodeOptions): string {
    const k =
      triangle.k === undefined ? undefined : typeof triangle.k === 'string' ? triangle.k : this.constInt64(triangle.k);
    return this.single('Trilu', [x, k], { upper: attr.int(triangle.upper === false ? 0 : 1) }, options);
  }

  /**
   * ONNX `RMSNormalization` (opset 23): `x / sqrt(mean(x²) + epsilon) · scale`.
   *
   * @param x input
   * @param scale weight, shape of the normalized axes
   * @param attributes axis (default -1), epsilon (default 1e-5), stashType (default float32)
   * @param options node and output names
   * @throws {GraphError} when the graph's opset is below 23
   */
  rmsNormalization(
    x: string,
    scale: string,
    attributes: { axis?: number; epsilon?: number; stashType?: ElemType } = {},
    options?: NodeOptions,
  ): string {
    this.requireOpset('RMSNormalization', 23);
    return this.single(
      'RMSNormalization',
      [x, scale],
      {
        axis: attr.int(attributes.axis ?? -1),
        epsilon: attr.float(attributes.epsilon ?? 1e-5),
        stash_type: attr.int(onnxDataType[attributes.stashType ?? 'float32']),
      },
      options,
    );
  }

  /**
   * ONNX `RotaryEmbedding` (opset 23). Note the input order differs from the
   * com.microsoft op: caches first, position ids last. With position ids the
   * caches are `[max_position, rotary_dim / 2]`.
   *
   * @param x `[batch, heads, seq, head_size]`, or `[batch, seq, hidden]` with `numHeads`
   * @param cosCache cosine cache
   * @param sinCache sine cache
   * @param settings positionIds (int64 `[batch, seq]`), interleaved (default false), numHeads, rotaryEmbeddingDim (default head size)
   * @param options node and output names
   * @throws {GraphError} when the graph's opset is below 23
   */
  rotaryEmbedding(
    x: string,
    cosCache: string,
    sinCache: string,
    settings: { positionIds?: string; interleaved?: boolean; numHeads?: number; rotaryEmbeddingDim?: number } = {},
    options?: NodeOptions,
  ): string {
    this.requireOpset('RotaryEmbedding', 23);
    return this.single(
      'RotaryEmbedding',
      [x, cosCache, sinCache, settings.positionIds],
      {
        interleaved: attr.int(settings.interleaved ? 1 : 0),
        num_heads: settings.numHeads === undefined ? undefined : attr.int(settings.numHeads),
        rotary_embedding_dim:
          settings.rotaryEmbeddingDim === undefined ? undefined : attr.int(settings.rotaryEmbeddingDim),
      },
      options,
    );
  }

  /**
   * ONNX `Attention` (opset 23): scaled dot-product attention with grouped
   * K/V heads, optional mask, past K/V and causal masking.
   *
   * @param inputs query, key, value, optional mask and past K/V
   * @param attributes head counts (required for 3-D inputs), causal flag, scale, softcap
   * @param options node name, output name, present outputs
   * @throws {GraphError} when the graph's opset is below 23
   */
  attention(
    inputs: AttentionInputs,
    attributes: AttentionAttributes = {},
    options: AttentionOptions = {},
  ): AttentionOutputs {
    this.requireOpset('Attention', 23);
    const presents = presentSlots(options.presents);
    const [output = '', presentKey = '', presentValue = ''] = this.op(
      'Attention',
      [inputs.query, inputs.key, inputs.value, inputs.attnMask, inputs.pastKey, inputs.pastValue],
      {
        q_num_heads: attributes.qNumHeads === undefined ? undefined : attr.int(attributes.qNumHeads),
        kv_num_heads: attributes.kvNumHeads === undefined ? undefined : attr.int(attributes.kvNumHeads),
        is_causal: attr.int(attributes.isCausal ? 1 : 0),
        scale: attributes.scale === undefined ? undefined : attr.float(attributes.scale),
        softcap: attributes.softcap === undefined ? undefined : attr.float(attributes.softcap),
        softmax_precision:
          attributes.softmaxPrecision === undefined ? undefined : attr.int(onnxDataType[attributes.softmaxPrecision]),
      },
      { name: options.name, outputs: [options.output ?? null, ...presents] },
    );
    return { output, presentKey, presentValue };
  }

  /**
   * A tensor name for an int64 list given as values or as a tensor.
   *
   * @param value values (become a shared constant) or a tensor name
   */
  protected ints(value: IntsInput): string {
    return typeof value === 'string' ? value : this.constInt64(value);
  }
}

/**
 * The output slots for present K/V: generated names, exact names, or left out.
 *
 * @param presents the `presents` option of an attention helper
 */
export function presentSlots(presents: AttentionOptions['presents']): (string | null)[] {
  if (presents === false) return [];
  if (presents === undefined || presents === true) return [null, null];
  return [presents.key, presents.value];
}

function scalarTensorAttribute(value: number, elemType: ElemType): TypedAttribute | undefined {
  switch (elemType) {
    case 'float32':
      return attr.tensor(Float32Array.of(value), [1]);
    case 'float64':
      return attr.tensor(Float64Array.of(value), [1]);
    case 'int64':
      return attr.tensor(BigInt64Array.of(BigInt(value)), [1]);
    case 'uint64':
      return attr.tensor(BigUint64Array.of(BigInt(value)), [1]);
    case 'int32':
      return attr.tensor(Int32Array.of(value), [1]);
    case 'uint32':
      return attr.tensor(Uint32Array.of(value), [1]);
    case 'int16':
      return attr.tensor(Int16Array.of(value), [1]);
    case 'uint16':
      return attr.tensor(Uint16Array.of(value), [1], 'uint16');
    case 'int8':
      return attr.tensor(Int8Array.of(value), [1]);
    case 'uint8':
      return attr.tensor(Uint8Array.of(value), [1]);
    case 'bool':
      return attr.tensor(Uint8Array.of(value ? 1 : 0), [1], 'bool');
    case 'float16':
      return attr.tensor(float32ToFloat16([value]), [1], 'float16');
    default:
      return undefined;
  }
}
