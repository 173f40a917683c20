import type { QuantizedMatMulNBits } from '../quantization/matmul-nbits.js';
import type { GraphProtoInit } from '../serialize/onnx-proto.js';
import { type ElemType, onnxDataType } from '../tensor/elem-type.js';
import { attr } from './attributes.js';
import type { NodeOptions } from './graph-core.js';
import { type AttentionOptions, type AttentionOutputs, OnnxOps, presentSlots } from './onnx-ops.js';

const ms = 'com.microsoft';

/** Inputs of {@link GraphBuilder.groupQueryAttention}, in the op's schema order. */
export interface GroupQueryAttentionInputs {
  /** Query `[batch, seq, num_heads * head_size]`, or packed QKV when `key`/`value` are omitted. */
  query: string;
  /** Key `[batch, seq, kv_num_heads * head_size]`. */
  key?: string;
  /** Value `[batch, seq, kv_num_heads * head_size]`. */
  value?: string;
  /** Past keys, BNSH `[batch, kv_num_heads, past_seq, head_size]`. */
  pastKey?: string;
  /** Past values, BNSH. */
  pastValue?: string;
  /** int32 `[batch]`: total sequence length of each row minus 1. */
  seqlensK: string;
  /** int32 scalar: the longest total (past + new) sequence length. */
  totalSequenceLength: string;
  /** `[max_seq, head_size / 2]`, with `doRotary`. */
  cosCache?: string;
  /** `[max_seq, head_size / 2]`, with `doRotary`. */
  sinCache?: string;
  /** int64 `[batch, seq]` positions for the rotary embedding. */
  positionIds?: string;
  /** Added to Q·Kᵀ, `[batch or 1, heads or 1, seq, total_seq]`. */
  attentionBias?: string;
  /** `[num_heads]` attention-sink logits added to each softmax denominator. */
  headSink?: string;
}

/** Attributes of {@link GraphBuilder.groupQueryAttention}. */
export interface GroupQueryAttentionAttributes {
  /** Query heads. */
  numHeads: number;
  /** Key/value heads; `numHeads` must be a multiple. */
  kvNumHeads: number;
  /** Scale of Q·Kᵀ; default 1/sqrt(head_size). */
  scale?: number;
  /** Sliding window (Mistral); default -1, none. */
  localWindowSize?: number;
  /** Apply rotary embeddings inside the op (needs cos/sin caches; head_size a multiple of 16 on CPU). */
  doRotary?: boolean;
  /** Interleaved rotary pairs (GPT-J) rather than rotate-half (Llama). */
  rotaryInterleaved?: boolean;
  /** Soft cap on attention scores (Gemma 2); default 0, none. */
  softcap?: number;
  /** Add 1 to each softmax denominator. */
  smoothSoftmax?: boolean;
}

/** The three initializer names of a quantized weight. */
export interface QuantizedWeightNames {
  /** Packed weights, uint8 `[N, kBlocks, blockSize * bits / 8]`. */
  b: string;
  /** Scales `[N, kBlocks]`. */
  scales: string;
  /** Packed zero points, or `undefined` for symmetric weights. */
  zeroPoints: string | undefined;
  /** Block minimums `[N, kBlocks]` to subtract (a GGUF K-quant), or `undefined`. */
  mins?: string | undefined;
}

/**
 * Builds ONNX graphs for onnxruntime: everything of {@link OnnxOps} (the
 * default-domain ops) plus the onnxruntime contrib ops decoder-only LLMs are
 * built from: `SimplifiedLayerNormalization` (registered by onnxruntime in the
 * default domain), and from `com.microsoft` `SkipSimplifiedLayerNormalization`,
 * `RotaryEmbedding`, `GroupQueryAttention`, `MatMulNBits`,
 * `GatherBlockQuantized` and `FusedMatMul`.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder({ name: 'mlp' });
 * const x = g.input('x', 'float32', ['batch', 4]);
 * const w = g.initializer('w', new Float32Array(8).fill(0.5), [4, 2]);
 * g.output('y', 'float32', ['batch', 2], g.matMul(x, w));
 * const session = await InferenceSession.create(g.toBytes());
 * ```
 */
export class GraphBuilder extends OnnxOps {
  /** {@link GraphBuilder.blockSums} already built in this graph, by input and block size. */
  private readonly blockSumCache = new Map<string, string>();

  /**
   * `SimplifiedLayerNormalization` (RMSNorm, onnxruntime op in the default
   * domain): `x / sqrt(mean(x²) + epsilon) · scale`, computed in float32.
   *
   * @param x input
   * @param scale weight `[hidden]`
   * @param attributes epsilon (default 1e-5), axis (default -1)
   * @param options node and output names
   */
  simplifiedLayerNormalization(
    x: string,
    scale: string,
    attributes: { epsilon?: number; axis?: number } = {},
    options?: NodeOptions,
  ): string {
    return this.single(
      'SimplifiedLayerNormalization',
      [x, scale],
      {
        axis: attr.int(attributes.axis ?? -1),
        epsilon: attr.float(attributes.epsilon ?? 1e-5),
        stash_type: attr.int(onnxDataType.float32),
      },
      options,
    );
  }

  /**
   * `SkipSimplifiedLayerNormalization` (com.microsoft): RMSNorm of
   * `input + skip (+ bias)`, and that sum, which is the next residual.
   *
   * @param input `[batch, seq, hidden]` or `[tokens, hidden]`
   * @param skip same shape as input (the residual)
   * @param gamma weight `[hidden]`
   * @param attributes epsilon (default 1e-5), optional bias `[hidden]`
   * @param options node name, output name, and `sum`: whether (default true) or under which name to output the sum
   * @returns the normalized output and the sum (`''` when not requested)
   */
  skipSimplifiedLayerNormalization(
    input: string,
    skip: string,
    gamma: string,
    attributes: { epsilon?: number; bias?: string } = {},
    options: NodeOptions & { sum?: boolean | string } = {},
  ): { output: string; inputSkipBiasSum: string } {
    const sum = options.sum === false ? [] : ['', '', typeof options.sum === 'string' ? options.sum : null];
    const [output = '', , , inputSkipBiasSum = ''] = this.op(
      'SkipSimplifiedLayerNormalization',
      [input, skip, gamma, attributes.bias],
      { epsilon: attr.float(attributes.epsilon ?? 1e-5) },
      { domain: ms, name: options.name, outputs: [options.output ?? null, ...sum] },
    );
    return { output, inputSkipBiasSum };
  }

  /**
   * `RotaryEmbedding` from com.microsoft (the ONNX opset-23 op is
   * {@link OnnxOps.rotaryEmbedding}; note the different input order). With
   * `interleaved` false it is the rotate-half RoPE of Llama.
   *
   * @param x `[batch, seq, heads * head_size]` or `[batch, heads, seq, head_size]`
   * @param positionIds int64 `[batch, seq]`, or `[1]` holding the first position
   * @param cosCache `[max_position, rotary_dim / 2]`
   * @param sinCache `[max_position, rotary_dim / 2]`
   * @param attributes interleaved (default false), numHeads and rotaryEmbeddingDim (both for partial rotary), scale, isPackedBatching
   * @param options node and output names
   */
  msRotaryEmbedding(
    x: string,
    positionIds: string,
    cosCache: string,
    sinCache: string,
    attributes: {
      interleaved?: boolean;
      numHeads?: number;
      rotaryEmbeddingDim?: number;
      scale?: number;
      isPackedBatching?: boolean;
    } = {},
    options: NodeOptions = {},
  ): string {
    return this.single(
      'RotaryEmbedding',
      [x, positionIds, cosCache, sinCache],
      {
        interleaved: attr.int(attributes.interleaved ? 1 : 0),
        num_heads: attributes.numHeads === undefined ? undefined : attr.int(attributes.numHeads),
        rotary_embedding_dim:
          attributes.rotaryEmbeddingDim === undefined ? undefined : attr.int(attributes.rotaryEmbeddingDim),
        scale: attributes.scale === undefined ? undefined : attr.float(attributes.scale),
        is_packed_batching: attributes.isPackedBatching ? attr.int(1) : undefined,
      },
      { ...options, domain: ms },
    );
  }

  /**
   * `GroupQueryAttention` (com.microsoft): causal attention where groups of
   * query heads share K/V heads, with past/present K/V caches in BNSH layout.
   *
   * @param inputs query/key/value, caches, sequence lengths, optional rotary caches and bias
   * @param attributes head counts and options
   * @param options node name, output name, present outputs (default: produced)
   * @throws {GraphError} when numHeads is not a multiple of kvNumHeads
   */
  groupQueryAttention(
    inputs: GroupQueryAttentionInputs,
    attributes: GroupQueryAttentionAttributes,
    options: AttentionOptions = {},
  ): AttentionOutputs {
    const { numHeads, kvNumHeads } = attributes;
    if (!(kvNumHeads > 0 && numHeads % kvNumHeads === 0)) {
      this.invalidArgument('GroupQueryAttention', `numHeads ${numHeads} is not a multiple of kvNumHeads ${kvNumHeads}`);
    }
    const [output = '', presentKey = '', presentValue = ''] = this.op(
      'GroupQueryAttention',
      [
        inputs.query,
        inputs.key,
        inputs.value,
        inputs.pastKey,
        inputs.pastValue,
        inputs.seqlensK,
        inputs.totalSequenceLength,
        inputs.cosCache,
        inputs.sinCache,
        inputs.positionIds,
        inputs.attentionBias,
        inputs.headSink,
      ],
      {
        num_heads: attr.int(numHeads),
        kv_num_heads: attr.int(kvNumHeads),
        scale: attributes.scale === undefined ? undefined : attr.float(attributes.scale),
        local_window_size: attributes.localWindowSize === undefined ? undefined : attr.int(attributes.localWindowSize),
        do_rotary: attributes.doRotary ? attr.int(1) : undefined,
        rotary_interleaved: attributes.rotaryInterleaved ? attr.int(1) : undefined,
        softcap: attributes.softcap === undefined ? undefined : attr.float(attributes.softcap),
        smooth_softmax: attributes.smoothSoftmax ? attr.int(1) : undefined,
      },
      { domain: ms, name: options.name, outputs: [options.output ?? null, ...presentSlots(options.presents)] },
    );
    return { output, presentKey, presentValue };
  }

  /**
   * `MatMulNBits` (com.microsoft): `A × dequantize(B)` with B quantized
   * block-wise along K (see `quantizeMatMulNBits`).
   *
   * @param a input `[..., K]`
   * @param weights initializer names: packed `b`, `scales`, optional `zeroPoints` and `bias` `[N]`
   * @param attributes K, N, bits, blockSize, accuracyLevel (default 0: compute in the input type; 4: int8 activations, faster, ~1e-2 error)
   * @param options node and output names
   */
  matMulNBits(
    a: string,
    weights: { b: string; scales: string; zeroPoints?: string | undefined; bias?: string | undefined },
    attributes: { K: number; N: number; bits: 4 | 8; blockSize: number; accuracyLevel?: 0 | 1 | 2 | 3 | 4 },
    options: NodeOptions = {},
  ): string {
    return this.single(
      'MatMulNBits',
      [a, weights.b, weights.scales, weights.zeroPoints, undefined, weights.bias],
      {
        K: attr.int(attributes.K),
        N: attr.int(attributes.N),
        bits: attr.int(attributes.bits),
        block_size: attr.int(attributes.blockSize),
        accuracy_level: attr.int(attributes.accuracyLevel ?? 0),
      },
      { ...options, domain: ms },
    );
  }

  /**
   * Adds the initializers of a quantized weight: `<name>.qweight`,
   * `<name>.scales` and, when asymmetric, `<name>.qzeros` (scoped).
   *
   * @param name weight name relative to the current scope, e.g. `q_proj`
   * @param quantized the result of `quantizeMatMulNBits` or `quantizeLinearNBits`
   */
  quantizedWeight(name: string, quantized: QuantizedMatMulNBits): QuantizedWeightNames {
    const { N, kBlocks, bits, blockSize } = quantized;
    const b = this.initializer(`${name}.qweight`, quantized.packed, [N, kBlocks, (blockSize * bits) / 8]);
    const scales = this.initializer(`${name}.scales`, quantized.scales, [N, kBlocks]);
    const zeroPoints = quantized.zeroPoints
      ? this.initializer(`${name}.qzeros`, quantized.zeroPoints, [N, Math.ceil((kBlocks * bits) / 8)])
      : undefined;
    const mins = quantized.blockMins ? this.initializer(`${name}.mins`, quantized.blockMins, [N, kBlocks]) : undefined;
    return { b, scales, zeroPoints, ...(mins ? { mins } : {}) };
  }

  /**
   * A quantized linear layer in one call: adds the weight's initializers
   * (see {@link GraphBuilder.quantizedWeight}) and the `MatMulNBits` node.
   * A weight with block minimums (a GGUF Q4_K) also gets the exact
   * correction `− Σ_block(a) · minsᵀ` ({@link GraphBuilder.subtractBlockMins},
   * over `<name>.mins` `[N, kBlocks]`).
   *
   * @param a input `[..., K]`
   * @param name weight name relative to the current scope; also the node name
   * @param quantized the quantized weight
   * @param settings accuracyLevel (default 0), optional bias tensor `[N]`
   * @param options output name
   */
  quantizedMatMul(
    a: string,
    name: string,
    quantized: QuantizedMatMulNBits,
    settings: { accuracyLevel?: 0 | 1 | 2 | 3 | 4; bias?: string } = {},
    options: { output?: string } = {},
  ): string {
    const { K, N, bits, blockSize } = quantized;
    const names = this.quantizedWeight(name, quantized);
    const product = this.matMulNBits(
      a,
      { ...names, bias: settings.bias },
      { K, N, bits, blockSize, accuracyLevel: settings.accuracyLevel },
      { name: `${name}/MatMulNBits`, output: names.mins ? undefined : options.output },
    );
    if (!names.mins) return product;
    return this.subtractBlockMins(a, product, names.mins, { K, blockSize }, { name, output: options.output });
  }

  /**
   * `product − Σ_block(a) · minsᵀ`: the exact correction of a `MatMulNBits`
   * whose weights carry block minimums (weight = `(q − zero) · scale − min`),
   * a small `FusedMatMul` (transB, over the `[N, kBlocks]` minimums as
   * stored) on the {@link GraphBuilder.blockSums} and a `Sub`.
   *
   * @param a the op's input `[..., K]`
   * @param product the op's output `[..., N]`
   * @param mins initializer `[N, K / blockSize]`
   * @param sizes K and the block size
   * @param options node-name prefix and output name
   */
  subtractBlockMins(
    a: string,
    product: string,
    mins: string,
    sizes: { K: number; blockSize: number },
    options: { name: string; output?: string | undefined },
  ): string {
    const sums = this.blockSums(a, sizes.K, sizes.blockSize);
    const correction = this.fusedMatMul(sums, mins, { transB: true }, { name: `${options.name}/BlockMins` });
    return this.sub(product, correction, { name: `${options.name}/SubBlockMins`, output: options.output });
  }

  /**
   * `a` `[..., K]` summed over each block of `blockSize` along its last axis:
   * `[..., K / blockSize]` (Shape, Concat, Reshape, ReduceSum). Built once per
   * input and block size in a graph, so the linear layers that share an input
   * (q/k/v, gate/up) share the sums.
   *
   * @param a input `[..., K]`
   * @param K its last dimension, a multiple of `blockSize`
   * @param blockSize weights per block
   */
  blockSums(a: string, K: number, blockSize: number): string {
    if (!Number.isInteger(K / blockSize)) {
      this.invalidArgument('ReduceSum', `block sums need K (${K}) to be a multiple of the block size (${blockSize})`);
    }
    const key = `${a}|${blockSize}`;
    const cached = this.blockSumCache.get(key);
    if (cached) return cached;
    const leading = this.shape(a, { end: -1 });
    const blocked = this.reshape(a, this.concat([leading, this.constInt64([K / blockSize, blockSize])], 0));
    const sums = this.reduceSum(blocked, [-1], false);
    this.blockSumCache.set(key, sums);
    return sums;
  }

  /**
   * `If`: runs `thenBranch` when the one-element boolean `condition` is true,
   * else `elseBranch`; both built with {@link GraphBuilder.subgraph} and
   * returning the same number of outputs.
   *
   * @param condition bool tensor of one element
   * @param thenBranch subgraph for true
   * @param elseBranch subgraph for false
   * @param outputs how many outputs the branches return (default 1)
   * @param options node name
   * @returns the output tensor names
   */
  ifElse(
    condition: string,
    thenBranch: GraphProtoInit,
    elseBranch: GraphProtoInit,
    outputs = 1,
    options: { name?: string } = {},
  ): string[] {
    return this.op(
      'If',
      [condition],
      { then_branch: attr.graph(thenBranch), else_branch: attr.graph(elseBranch) },
      { outputs, ...(options.name ? { name: options.name } : {}) },
    );
  }

  /**
   * `GatherBlockQuantized` (com.microsoft): a Gather from a block-quantized
   * uint8 table (a 4-bit embedding), dequantized on the fly.
   *
   * @param data uint8 `[rows, cols * bits / 8]`, values packed low bits first
   * @param indices int32/int64 indices
   * @param scales `[rows, cols / blockSize]`
   * @param zeroPoints optional, packed like `data`; default `2^(bits-1)`
   * @param attributes bits (default 4), blockSize (default 32), gatherAxis (default 0), quantizeAxis (default 1)
   * @param options node and output names
   */
  gatherBlockQuantized(
    data: string,
    indices: string,
    scales: string,
    zeroPoints?: string,
    attributes: { bits?: 4 | 8; blockSize?: number; gatherAxis?: number; quantizeAxis?: number } = {},
    options: NodeOptions = {},
  ): string {
    return this.single(
      'GatherBlockQuantized',
      [data, indices, scales, zeroPoints],
      {
        bits: attr.int(attributes.bits ?? 4),
        block_size: attr.int(attributes.blockSize ?? 32),
        gather_axis: attr.int(attributes.gatherAxis ?? 0),
        quantize_axis: attr.int(attributes.quantizeAxis ?? 1),
      },
      { ...options, domain: ms },
    );
  }

  /**
   * A quantized embedding lookup: stores a weight quantized with
   * `quantizeLinearNBits(table, vocab, hidden, ...)` as a
   * `GatherBlockQuantized` table (the same bytes a tied `MatMulNBits` LM head
   * uses) and gathers `indices` from it.
   *
   * @param indices int32/int64 token ids
   * @param name table name relative to the current scope, e.g. `embed_tokens`
   * @param quantized the table, quantized with N = vocab, K = hidden (a multiple of blockSize)
   * @param options node and output names
   * @throws {GraphError} when K is not a multiple of the block size
   */
  quantizedGather(indices: string, name: string, quantized: QuantizedMatMulNBits, options: NodeOptions = {}): string {
    const { N, K, bits, blockSize, kBlocks } = quantized;
    if (K % blockSize !== 0) {
      this.invalidArgument('GatherBlockQuantized', `hidden size ${K} is not a multiple of block size ${blockSize}`);
    }
    const data = this.initializer(`${name}.qweight`, quantized.packed, [N, (K * bits) / 8]);
    const scales = this.initializer(`${name}.scales`, quantized.scales, [N, kBlocks]);
    const zeroPoints = quantized.zeroPoints
      ? this.initializer(`${name}.qzeros`, quantized.zeroPoints, [N, Math.ceil((kBlocks * bits) / 8)])
      : undefined;
    return this.gatherBlockQuantized(
      data,
      indices,
      scales,
      zeroPoints,
      { bits, blockSize },
      {
        name: options.name ?? `${name}/GatherBlockQuantized`,
        output: options.output,
      },
    );
  }

  /**
   * `FusedMatMul` (com.microsoft): `alpha · op(a) × op(b)` with optional
   * transposes of the last two axes (`transA`, `transB`) or of the batch axes.
   * Beware: `transBatchB` crashes onnxruntime 1.30 on an empty B.
   *
   * @param a left operand
   * @param b right operand
   * @param attributes alpha (default 1), transA, transB, transBatchA, transBatchB
   * @param options node and output names
   */
  fusedMatMul(
    a: string,
    b: string,
    attributes: {
      alpha?: number;
      transA?: boolean;
      transB?: boolean;
      transBatchA?: boolean;
      transBatchB?: boolean;
    } = {},
    options: NodeOptions = {},
  ): string {
    return this.single(
      'FusedMatMul',
      [a, b],
      {
        alpha: attr.float(attributes.alpha ?? 1),
        transA: attr.int(attributes.transA ? 1 : 0),
        transB: attr.int(attributes.transB ? 1 : 0),
        transBatchA: attr.int(attributes.transBatchA ? 1 : 0),
        transBatchB: attr.int(attributes.transBatchB ? 1 : 0),
      },
      { ...options, domain: ms },
    );
  }

  /**
   * Casts `x` to `to` unless `from` already is `to` (keeps fp32 graphs free of no-op casts).
   *
   * @param x input
   * @param from element type of `x`
   * @param to wanted element type
   */
  castIfNeeded(x: string, from: ElemType, to: ElemType): string {
    return from === to ? x : this.cast(x, to);
  }
}
