import type { CachedAttentionLayout } from '../layers/cached-attention.js';
import type { DecoderIoNames } from '../layers/pio-decoder-io.js';
import type { RopeScaling } from '../layers/rotary.js';
import type { StreamedExternalData } from '../serialize/external-data-writer.js';
import type { DecoderBlocks } from './decoder-block.js';
import type { DecoderWeightFormat } from './decoder-weights.js';

/**
 * How a decoder graph is called: PIO's engine I/O with these names (batch 1,
 * KV cache kept in JS, only new K/V out), or `'optimum'`: the Hugging Face
 * Optimum I/O that transformers.js loads (batch ≥ 1 with padding, whole
 * caches in and out; names fixed, see `optimumIoNames`).
 */
export type DecoderIo = DecoderIoNames | 'optimum';

/** The sizes and settings of a Llama-style decoder that its blocks read. */
export interface DecoderShapeOptions {
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
  /** Width of the dense MLP. */
  intermediateSize: number;
  /** Vocabulary size. */
  vocabSize: number;
  /** RMSNorm epsilon. */
  rmsNormEps: number;
  /** Rows of the rotary caches: the longest sequence the graph may run. */
  maxPositions: number;
  /**
   * Rotary base and scaling; `dims`, the rotated width of a head when it is
   * not `headDim` (latent attention rotates 64 of its dims; default `headDim`).
   */
  rope: { theta: number; scaling?: RopeScaling; dims?: number };
  /**
   * The cache holds keys only (see `DecoderIoShape.keyOnlyCache`): latent
   * attention, with `numKvHeads` 1 and `headDim` the cached row's width.
   */
  keyOnlyCache?: boolean;
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
}

/** The shape and options of a decoder-only transformer built from blocks. */
export interface DecoderTransformerOptions extends DecoderShapeOptions {
  /** The graph's I/O: PIO's engine I/O with these names, or `'optimum'`. */
  io: DecoderIo;
  /**
   * One graph for prompts and steps (PIO's engine I/O only): each layer's
   * attention is an `If` that runs fused causal `GroupQueryAttention` when
   * more than one token is fed and the cached attention for one. onnxruntime
   * then loads and packs the weights once, in one session: on the
   * Llama-3.2-1B shape at int4, session creation 1.18 s instead of 2.5–2.8 s
   * for two graphs and peak RSS 1.8 GB instead of 2.8 GB.
   */
  switchAttention?: boolean;
  /**
   * The layout of the step attention (PIO's engine I/O only; see
   * `CachedAttentionLayout`). Default: with `switchAttention`, the one-token
   * `stepAttention` (the step branch only ever sees one new token); without,
   * `defaultCachedAttentionLayout` (`'block-diagonal'` up to 4 K/V heads,
   * else `'grouped'`). Set it to compare layouts in the switch's step branch.
   */
  decodeAttention?: CachedAttentionLayout;
  /**
   * The blocks of each layer, for models that differ from Llama: a mixture
   * of experts as `feedForward`, another attention. Defaults:
   * `selfAttention` and `gatedMlp`. A block may look at `context.layer` to
   * differ per layer (dense and sparse layers of one model).
   */
  blocks?: Partial<DecoderBlocks>;
  /**
   * Write weights to this side file as the graph is built (see
   * `GraphBuilderOptions.externalData`), so the build never holds the
   * checkpoint: peak memory is about one tensor, not the model. Save the
   * graph into the same folder afterwards.
   */
  externalData?: StreamedExternalData;
  /** Reports each layer built. */
  onLayer?: (built: number, total: number) => void;
}
