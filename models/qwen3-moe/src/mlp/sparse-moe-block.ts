import { type DecoderBlock, gatedMlp, mixtureOfExperts } from '@pio/onnx';
import type { Qwen3MoeConfig } from '../config.js';

/**
 * Qwen3-MoE's feed-forward block per layer (`Qwen3MoeSparseMoeBlock`): in a
 * sparse layer a float32 router `mlp.gate` `[experts, hidden]`, softmax over
 * all experts, the top `num_experts_per_tok`, divided by their sum when
 * `norm_topk_prob`, and `Σ wⱼ · expertⱼ(x)` over `mlp.experts.{j}` (no
 * shared expert); a dense layer (`mlp_only_layers`, or off the
 * `decoder_sparse_step`) keeps the plain gated MLP of width
 * `intermediate_size`.
 *
 * @param config the checkpoint's config
 * @returns the block for `DecoderTransformerOptions.blocks.feedForward`
 */
export function qwen3MoeFeedForward(config: Qwen3MoeConfig): DecoderBlock {
  const sparse = mixtureOfExperts({
    numExperts: config.numExperts,
    expertWidth: config.moeIntermediateSize,
    topK: config.numExpertsPerTok,
    normalizeTopK: config.normTopkProb,
  });
  return (context, x) => (config.isSparseLayer(context.layer) ? sparse(context, x) : gatedMlp(context, x));
}
