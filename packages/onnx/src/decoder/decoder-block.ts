import type { GraphBuilder } from '../graph/graph-builder.js';
import type { DecoderGraphIo } from '../layers/decoder-graph-io.js';
import type { DecoderWeights } from './decoder-weights.js';
import type { DecoderShapeOptions } from './decoder-options.js';

/** What a block of one decoder layer is given. */
export interface DecoderLayerContext {
  /** The graph being built. */
  g: GraphBuilder;
  /** The one weight reader (naming checks, fusing, quantization). */
  weights: DecoderWeights;
  /** The decoder's sizes and settings. */
  options: DecoderShapeOptions;
  /** The graph's I/O: `io.attention(layer, ...)` runs rotary + attention with this layer's cache. */
  io: DecoderGraphIo;
  /** The layer index. */
  layer: number;
  /** The layer's checkpoint prefix, `model.layers.<layer>`. */
  prefix: string;
}

/**
 * A block of a decoder layer: takes the normed rows `[N, hidden]` and returns
 * rows `[N, hidden]` to add to the residual stream. Attention, a dense MLP
 * and a mixture of experts are blocks; a model passes its own where it
 * differs (see `DecoderTransformerOptions.blocks`).
 */
export type DecoderBlock = (context: DecoderLayerContext, x: string) => Promise<string>;

/** The blocks of every layer of a pre-norm decoder: `x + attention(norm(x))`, then `x + feedForward(norm(x))`. */
export interface DecoderBlocks {
  /** Self-attention (default `selfAttention`: fused QKV, optional per-head q/k norm, the I/O's attention, o_proj). */
  attention: DecoderBlock;
  /** Feed-forward (default `gatedMlp`: `down(silu(gate x) · up x)`); a mixture of experts for MoE layers. */
  feedForward: DecoderBlock;
}
