import { GraphError } from '../errors/graph-error.js';
import { GraphBuilder } from '../graph/graph-builder.js';
import { type NBitsOptions, type QuantizedMatMulNBits, quantizeLinearNBits } from '../quantization/matmul-nbits.js';
import type { CachedAttentionLayout } from './cached-attention.js';
import type { DecoderGraphIo } from './decoder-graph-io.js';
import { optimumDecoderIo } from './optimum-decoder-io.js';
import { type DecoderIoNames, type PioAttentionKind, pioDecoderIo } from './pio-decoder-io.js';
import { addRotaryCaches, type RopeScaling, rotaryCaches } from './rotary.js';

export type { DecoderIoNames } from './pio-decoder-io.js';

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
}

/**
 * How a decoder graph is called: PIO's engine I/O with these names (batch 1,
 * KV cache kept in JS, only new K/V out), or `'optimum'`: the Hugging Face
 * Optimum I/O that transformers.js loads (batch ≥ 1 with padding, whole
 * caches in and out; names fixed, see `optimumIoNames`).
 */
export type DecoderIo = DecoderIoNames | 'optimum';

/** How linear weights are stored in the graph. */
export type DecoderWeightFormat =
  | { kind: 'float32' }
  | ({ kind: 'nbits'; accuracyLevel?: 0 | 1 | 2 | 3 | 4 } & NBitsOptions);

/** The shape and options of a Llama-style decoder-only transformer. */
export interface DecoderTransformerOptions {
  /** Width of the residual stream. */
  hiddenSize: number;
  /** Query heads. */
  numHeads: number;
  /** Key/value heads. */
  numKvHeads: number;
  /** Size of one head. */
  headDim: number;
  /** Decoder layers. */
  numLayers: number;
  /** Width of the MLP. */
  intermediateSize: number;
  /** Vocabulary size. */
  vocabSize: number;
  /** RMSNorm epsilon. */
  rmsNormEps: number;
  /** Rows of the rotary caches: the longest sequence the graph may run. */
  maxPositions: number;
  /** Rotary base and scaling. */
  rope: { theta: number; scaling?: RopeScaling };
  /** The LM head is the embedding matrix. */
  tieWordEmbeddings: boolean;
  /** q/k/v projections have biases (`attention_bias`). */
  attentionBias: boolean;
  /** o_proj has a bias. Default: same as `attentionBias`. */
  outputBias?: boolean;
  /** gate/up/down have biases (`mlp_bias`). */
  mlpBias: boolean;
  /** Per-head RMSNorm of queries and keys before the rotary embedding (Qwen3's `q_norm`/`k_norm`). */
  queryKeyNorm: boolean;
  /** How linear weights are stored. */
  weightFormat: DecoderWeightFormat;
  /** The graph's I/O: PIO's engine I/O with these names, or `'optimum'`. */
  io: DecoderIo;
  /**
   * Also build a prefill graph (PIO's engine I/O only): the same I/O and
   * weights, with onnxruntime's fused causal `GroupQueryAttention` (see
   * `prefillAttention`), for feeding many tokens at once. Its weights are the
   * same arrays in the same order, so {@link saveDecoderTransformer} writes
   * one side file for both graphs.
   */
  prefillGraph?: boolean;
  /**
   * One graph for prompts and steps (PIO's engine I/O only): each layer's
   * attention is an `If` that runs the prefill attention (fused causal
   * `GroupQueryAttention`) when more than one token is fed and the decode
   * graph's cached attention for one. onnxruntime then loads and packs the
   * weights once, in one session, instead of once per graph: on the
   * Llama-3.2-1B shape at int4, session creation 1.18 s instead of 2.5–2.8 s
   * and peak RSS 1.8 GB instead of 2.8 GB. Excludes `prefillGraph`.
   */
  switchAttention?: boolean;
  /**
   * The layout of the decode graph's attention (PIO's engine I/O only; see
   * `CachedAttentionLayout`). Default: `defaultCachedAttentionLayout`
   * (`'block-diagonal'` up to 4 K/V heads, else `'grouped'`).
   */
  decodeAttention?: CachedAttentionLayout;
  /** Reports each layer built. */
  onLayer?: (built: number, total: number) => void;
}

/** The built graph and what it holds. */
export interface DecoderTransformer {
  /** The graph, ready to `save` or `toBytes`. */
  graph: GraphBuilder;
  /** The prefill graph when `options.prefillGraph`: same I/O and initializers, fused causal attention. */
  prefill?: GraphBuilder;
  /** Parameters read from the checkpoint. */
  parameters: number;
}

/**
 * Builds the ONNX graph of a Llama-style decoder (Llama 2/3, Mistral, SmolLM,
 * Qwen2/3, ...) from Hugging Face weights, with one of two I/O styles
 * (`options.io`), the layers being the same:
 *
 * - PIO's engine I/O: new tokens in, the cache of every layer in as
 *   `[T, kvHeads * headDim]` views, logits at the requested positions and the
 *   new tokens' K/V out;
 * - `'optimum'`: the I/O of Hugging Face Optimum exports, as transformers.js
 *   runs them (`input_ids`, `attention_mask`, `position_ids`,
 *   `past_key_values.{i}.key|value` in; `logits` and `present.{i}.key|value` out).
 *
 * Fusions: Q/K/V are one weight (one MatMul), gate/up another; 1/sqrt(headDim)
 * is folded into the query weights (or the q_norm weight); residual adds are
 * fused into `SkipSimplifiedLayerNormalization`.
 *
 * Every tensor's full shape is checked against the one the options imply
 * (Hugging Face `[out, in]` for linear weights) with the source's
 * `expectShape` before it is read, so a weight stored transposed is refused
 * even though its element count is right.
 *
 * @throws {GraphError} when a tensor is missing, or has the wrong element count in a source without `expectShape` (naming the tensor: the checkpoint does not match its config.json).
 * @throws whatever the source's `expectShape` throws for a tensor of the wrong shape (`TensorShapeError` for a `WeightStore`).
 */
export async function buildDecoderTransformer(
  weights: DecoderWeightSource,
  options: DecoderTransformerOptions,
): Promise<DecoderTransformer> {
  if ((options.prefillGraph || options.switchAttention) && options.io === 'optimum') {
    const option = options.prefillGraph ? 'prefillGraph' : 'switchAttention';
    throw new GraphError({
      graphName: 'decoder',
      issues: [{ problem: 'invalid-argument', detail: `${option} needs PIO's engine I/O, not 'optimum'` }],
      hint: `Build the Optimum graph without ${option}.`,
    });
  }
  if (options.prefillGraph && options.switchAttention) {
    throw new GraphError({
      graphName: 'decoder',
      issues: [{ problem: 'invalid-argument', detail: 'prefillGraph and switchAttention exclude each other' }],
      hint: 'Pick one: a separate prefill graph, or one graph that switches its attention.',
    });
  }
  if (!options.prefillGraph) {
    const counter = { parameters: 0 };
    const graph = await buildGraph(weights, options, options.switchAttention ? 'switch' : 'cached', counter, undefined);
    return { graph, parameters: counter.parameters };
  }
  // Both graphs take the very same weight arrays (read, fused and quantized once), in the same order.
  const counter = { parameters: 0 };
  const memo = new Map<string, unknown>();
  const graph = await buildGraph(weights, options, 'cached', counter, memo);
  const prefill = await buildGraph(weights, { ...options, onLayer: undefined }, 'prefill', counter, memo);
  return { graph, prefill, parameters: counter.parameters };
}

/** Values computed once and shared by the graphs of one build. */
type WeightMemo = Map<string, unknown>;

async function remember<T>(memo: WeightMemo | undefined, key: string, compute: () => Promise<T> | T): Promise<T> {
  if (!memo) return compute();
  if (memo.has(key)) return memo.get(key) as T;
  const value = await compute();
  memo.set(key, value);
  return value;
}

async function buildGraph(
  weights: DecoderWeightSource,
  options: DecoderTransformerOptions,
  attention: PioAttentionKind,
  counter: { parameters: number },
  memo: WeightMemo | undefined,
): Promise<GraphBuilder> {
  const { hiddenSize, numHeads, numKvHeads, headDim, numLayers, intermediateSize, vocabSize } = options;
  const g = new GraphBuilder({ name: attention === 'prefill' ? 'prefill' : 'decoder' });
  // The first graph of a build counts the parameters; a second one reads only what it does not share.
  const counting = memo === undefined || memo.size === 0;
  const readNow = async (name: string, shape: readonly number[]): Promise<Float32Array> => {
    if (!weights.has(name)) fail(g, name, 'is missing from the checkpoint, but its config.json implies it');
    // The full shape, not only the size: a transposed [in, out] weight has the right size and gives wrong output.
    await weights.expectShape?.(name, shape);
    const data = await weights.read(name);
    const size = shape.reduce((product, dim) => product * dim, 1);
    if (data.length !== size) fail(g, name, `has ${data.length} values, but config.json implies ${size}`);
    if (counting) counter.parameters += data.length;
    return data;
  };
  // `keep`: the array itself becomes an initializer, so a second graph must get the same one.
  const read = (name: string, shape: readonly number[], keep = true): Promise<Float32Array> =>
    keep ? remember(memo, name, () => readNow(name, shape)) : readNow(name, shape);
  const readOptional = async (name: string, shape: readonly number[], wanted: boolean) =>
    wanted || weights.has(name) ? read(name, shape) : undefined;
  const queryScale = 1 / Math.sqrt(headDim);
  const kvSize = numKvHeads * headDim;
  const qSize = numHeads * headDim;

  const caches = addRotaryCaches(
    g,
    await remember(memo, 'rotary', () =>
      rotaryCaches({
        headDim,
        maxPositions: options.maxPositions,
        theta: options.rope.theta,
        ...(options.rope.scaling ? { scaling: options.rope.scaling } : {}),
      }),
    ),
  );
  const ioShape = { numLayers, numHeads, numKvHeads, headDim, vocabSize };
  const io: DecoderGraphIo =
    options.io === 'optimum'
      ? optimumDecoderIo(g, ioShape, caches)
      : pioDecoderIo(g, options.io, ioShape, caches, attention, options.decodeAttention);
  const embedName = 'model.embed_tokens.weight';
  let embedTokens: Float32Array | undefined = await read(embedName, [vocabSize, hiddenSize]);
  // Quantized weights quantize the embedding too (a float table is most of a small int-N model: 1 GiB of
  // Llama-3.2-1B's 1.6 GiB); a tied head then multiplies by the very same bytes.
  const quantizedEmbedding = await embeddingQuantization(memo, options, embedTokens);
  // Once quantized, the float table is not needed: drop it, so the rest of the build does not hold it (1.5 GB at 4 B).
  if (quantizedEmbedding) embedTokens = undefined;
  let embedding: string | undefined;
  let hidden: string;
  const quantizedTable = quantizedEmbedding ? g.quantizedWeight('model.embed_tokens', quantizedEmbedding) : undefined;
  if (quantizedEmbedding && quantizedTable) {
    hidden = quantizedEmbeddingLookup(g, io.tokenIds, quantizedEmbedding, quantizedTable);
  } else {
    embedding = g.initializer(embedName, embedTokens!, [vocabSize, hiddenSize]);
    hidden = g.gather(embedding, io.tokenIds, 0);
  }

  // True when an earlier graph of this build stored the linear layer `name` (its weight or quantized form).
  const shared = (name: string) => memo !== undefined && (memo.has(`${name}.weight`) || memo.has(`${name}.quantized`));
  // The weight is read (and fused) lazily: a second graph of the build takes the first one's array or quantized form.
  const linear = async (
    x: string,
    name: string,
    weight: () => Promise<Float32Array>,
    outFeatures: number,
    inFeatures: number,
    bias?: Float32Array,
  ): Promise<string> => {
    const stored =
      options.weightFormat.kind === 'float32'
        ? await remember(memo, `${name}.weight`, weight)
        : await remember(memo, `${name}.quantized`, async () =>
            quantizeLinearNBits(await weight(), outFeatures, inFeatures, options.weightFormat as NBitsFormat),
          );
    return linearLayer(
      g,
      x,
      name,
      { weight: stored, outFeatures, inFeatures, ...(bias ? { bias } : {}) },
      options.weightFormat,
    );
  };

  let residual: string | undefined;
  for (let layer = 0; layer < numLayers; layer++) {
    const prefix = `model.layers.${layer}`;

    // Attention block.
    const inputNorm = g.initializer(
      `${prefix}.input_layernorm.weight`,
      await read(`${prefix}.input_layernorm.weight`, [hiddenSize]),
      [hiddenSize],
    );
    let normed: string;
    if (residual === undefined) {
      normed = g.simplifiedLayerNormalization(hidden, inputNorm, { epsilon: options.rmsNormEps });
      residual = hidden;
    } else {
      const fused = g.skipSimplifiedLayerNormalization(hidden, residual, inputNorm, { epsilon: options.rmsNormEps });
      normed = fused.output;
      residual = fused.inputSkipBiasSum;
    }
    const attn = `${prefix}.self_attn`;
    // Read in checkpoint order (errors name the first tensor that does not fit); a second graph of the build reuses the first's.
    const qkvParts = shared(`${attn}.qkv_proj`)
      ? undefined
      : [
          await read(`${attn}.q_proj.weight`, [qSize, hiddenSize], false),
          await read(`${attn}.k_proj.weight`, [kvSize, hiddenSize], false),
          await read(`${attn}.v_proj.weight`, [kvSize, hiddenSize], false),
        ];
    const qBias = await readOptional(`${attn}.q_proj.bias`, [qSize], options.attentionBias);
    const kBias = await readOptional(`${attn}.k_proj.bias`, [kvSize], options.attentionBias);
    const vBias = await readOptional(`${attn}.v_proj.bias`, [kvSize], options.attentionBias);
    let qNorm: Float32Array | undefined;
    let kNorm: Float32Array | undefined;
    if (options.queryKeyNorm) {
      qNorm = await remember(memo, `${attn}.q_norm.scaled`, async () =>
        scaled(await read(`${attn}.q_norm.weight`, [headDim]), queryScale),
      );
      kNorm = await read(`${attn}.k_norm.weight`, [headDim]);
    }
    const scaledByNorm = qNorm !== undefined;
    const qkvWeight = async () => {
      const [qWeight, kWeight, vWeight] = qkvParts!;
      return concatRows([scaledByNorm ? qWeight! : scaled(qWeight!, queryScale), kWeight!, vWeight!]);
    };
    const qkvBias =
      qBias || kBias || vBias
        ? await remember(memo, `${attn}.qkv_proj.bias`, () =>
            concatRows([
              qBias ? (scaledByNorm ? qBias : scaled(qBias, queryScale)) : new Float32Array(qSize),
              kBias ?? new Float32Array(kvSize),
              vBias ?? new Float32Array(kvSize),
            ]),
          )
        : undefined;
    // Without q_norm the scale folds into the query projection (RoPE is linear).
    const qkv = await linear(normed, `${attn}.qkv_proj`, qkvWeight, qSize + 2 * kvSize, hiddenSize, qkvBias);
    let [query, key, value] = g.split(qkv, { axis: -1, sizes: [qSize, kvSize, kvSize] });
    if (qNorm && kNorm) {
      query = headNorm(
        g,
        query!,
        g.initializer(`${attn}.q_norm.weight`, qNorm, [headDim]),
        numHeads,
        headDim,
        options.rmsNormEps,
      );
      key = headNorm(
        g,
        key!,
        g.initializer(`${attn}.k_norm.weight`, kNorm, [headDim]),
        numKvHeads,
        headDim,
        options.rmsNormEps,
      );
    }
    const context = io.attention(layer, { query: query!, key: key!, value: value! });
    const oBias = await readOptional(`${attn}.o_proj.bias`, [hiddenSize], options.outputBias ?? options.attentionBias);
    const attentionOut = await linear(
      context,
      `${attn}.o_proj`,
      () => read(`${attn}.o_proj.weight`, [hiddenSize, qSize], false),
      hiddenSize,
      qSize,
      oBias,
    );

    // MLP block.
    const postNorm = g.initializer(
      `${prefix}.post_attention_layernorm.weight`,
      await read(`${prefix}.post_attention_layernorm.weight`, [hiddenSize]),
      [hiddenSize],
    );
    const fused = g.skipSimplifiedLayerNormalization(attentionOut, residual, postNorm, { epsilon: options.rmsNormEps });
    residual = fused.inputSkipBiasSum;
    const mlp = `${prefix}.mlp`;
    const gateUpParts = shared(`${mlp}.gate_up_proj`)
      ? undefined
      : [
          await read(`${mlp}.gate_proj.weight`, [intermediateSize, hiddenSize], false),
          await read(`${mlp}.up_proj.weight`, [intermediateSize, hiddenSize], false),
        ];
    const gateUpWeight = async () => concatRows(gateUpParts!);
    const gateBias = await readOptional(`${mlp}.gate_proj.bias`, [intermediateSize], options.mlpBias);
    const upBias = await readOptional(`${mlp}.up_proj.bias`, [intermediateSize], options.mlpBias);
    const gateUpBias =
      gateBias || upBias
        ? await remember(memo, `${mlp}.gate_up_proj.bias`, () =>
            concatRows([gateBias ?? new Float32Array(intermediateSize), upBias ?? new Float32Array(intermediateSize)]),
          )
        : undefined;
    const gateUp = await linear(
      fused.output,
      `${mlp}.gate_up_proj`,
      gateUpWeight,
      2 * intermediateSize,
      hiddenSize,
      gateUpBias,
    );
    const [gated, upped] = g.split(gateUp, { axis: -1, sizes: [intermediateSize, intermediateSize] });
    const activated = g.mul(g.mul(gated!, g.sigmoid(gated!)), upped!);
    const downBias = await readOptional(`${mlp}.down_proj.bias`, [hiddenSize], options.mlpBias);
    hidden = await linear(
      activated,
      `${mlp}.down_proj`,
      () => read(`${mlp}.down_proj.weight`, [hiddenSize, intermediateSize], false),
      hiddenSize,
      intermediateSize,
      downBias,
    );
    options.onLayer?.(layer + 1, numLayers);
  }

  const last = g.add(hidden, residual!);
  const picked = io.logitRows(last);
  const finalNorm = g.initializer('model.norm.weight', await read('model.norm.weight', [hiddenSize]), [hiddenSize]);
  const normedOut = g.simplifiedLayerNormalization(picked, finalNorm, { epsilon: options.rmsNormEps });
  let logits: string;
  if (options.tieWordEmbeddings && !weights.has('lm_head.weight')) {
    if (quantizedEmbedding && quantizedTable) {
      const { b, scales } = quantizedTable;
      const { K, N, bits, blockSize } = quantizedEmbedding;
      const accuracyLevel = (options.weightFormat as NBitsFormat).accuracyLevel ?? 0;
      logits = g.matMulNBits(
        normedOut,
        { b, scales },
        { K, N, bits, blockSize, accuracyLevel },
        { name: 'lm_head/MatMulNBits' },
      );
    } else {
      logits =
        options.weightFormat.kind === 'float32'
          ? g.gemm(normedOut, embedding!, undefined, { transB: true })
          : await linear(normedOut, 'lm_head', async () => embedTokens!, vocabSize, hiddenSize);
    }
  } else {
    logits = await linear(
      normedOut,
      'lm_head',
      () => read('lm_head.weight', [vocabSize, hiddenSize], false),
      vocabSize,
      hiddenSize,
    );
  }
  io.outputLogits(logits);
  return g;
}

type NBitsFormat = Extract<DecoderWeightFormat, { kind: 'nbits' }>;

/** `y = x · Wᵀ + b` for a Hugging Face `[out, in]` weight: Gemm with transB (no transposed copy), or MatMulNBits on its quantized form. */
function linearLayer(
  g: GraphBuilder,
  x: string,
  name: string,
  layer: { weight: Float32Array | QuantizedMatMulNBits; outFeatures: number; inFeatures: number; bias?: Float32Array },
  format: DecoderWeightFormat,
): string {
  const bias = layer.bias ? g.initializer(`${name}.bias`, layer.bias, [layer.outFeatures]) : undefined;
  if (layer.weight instanceof Float32Array) {
    const weight = g.initializer(`${name}.weight`, layer.weight, [layer.outFeatures, layer.inFeatures]);
    return g.gemm(x, weight, bias, { transB: true });
  }
  const accuracyLevel = format.kind === 'nbits' ? (format.accuracyLevel ?? 0) : 0;
  return g.quantizedMatMul(x, name, layer.weight, { accuracyLevel, ...(bias ? { bias } : {}) });
}

/**
 * The embedding quantized like a linear weight (N = vocab, K = hidden) when
 * the weights are symmetric N-bit with whole blocks per row, so that
 * `GatherBlockQuantized` (which reads MatMulNBits' layout and default zero
 * point) can look it up; `undefined` keeps the float table. Shared by the
 * graphs of one build.
 */
async function embeddingQuantization(
  memo: WeightMemo | undefined,
  options: DecoderTransformerOptions,
  table: Float32Array,
): Promise<QuantizedMatMulNBits | undefined> {
  const format = options.weightFormat;
  if (format.kind !== 'nbits' || !format.symmetric || options.hiddenSize % format.blockSize !== 0) return undefined;
  return remember(memo, 'model.embed_tokens.quantized', () =>
    quantizeLinearNBits(table, options.vocabSize, options.hiddenSize, format),
  );
}

/**
 * Rows of the quantized embedding for `ids`: `GatherBlockQuantized` over the
 * MatMulNBits bytes seen as `[vocab, hidden * bits / 8]` (a Reshape that
 * onnxruntime folds at load; MatMulNBits insists on its 3-D shape and
 * GatherBlockQuantized on scales of its data's rank, so one initializer
 * cannot serve both as it is).
 */
function quantizedEmbeddingLookup(
  g: GraphBuilder,
  ids: string,
  quantized: QuantizedMatMulNBits,
  { b, scales }: { b: string; scales: string },
): string {
  const { N, K, bits, blockSize } = quantized;
  const table = g.reshape(b, [N, (K * bits) / 8]);
  return g.gatherBlockQuantized(
    table,
    ids,
    scales,
    undefined,
    { bits, blockSize },
    { name: 'model.embed_tokens/GatherBlockQuantized' },
  );
}

/** RMSNorm over each head of `[S, heads * headDim]`. */
function headNorm(g: GraphBuilder, x: string, weight: string, heads: number, headDim: number, epsilon: number): string {
  const perHead = g.reshape(x, [-1, heads, headDim]);
  return g.reshape(g.simplifiedLayerNormalization(perHead, weight, { epsilon }), [-1, heads * headDim]);
}

function concatRows(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function scaled(values: Float32Array, factor: number): Float32Array {
  return values.map((value) => value * factor);
}

/** A weight that does not fit the options (from config.json): the user's fix is in the checkpoint, not in a graph. */
function fail(g: GraphBuilder, tensor: string, detail: string): never {
  throw new GraphError({
    graphName: g.name,
    issues: [
      { problem: 'invalid-initializer', tensor, detail: `${detail}: the checkpoint does not match its config.json` },
    ],
    hint: 'Use the config.json that came with these weights, or re-download the checkpoint (or re-export it with save_pretrained) so weights and config agree.',
  });
}
