import { type DecoderBlock, gatedMlp, gatedMlpAt, mixtureOfExperts } from '@pio/onnx';
import type { Glm4MoeLiteConfig } from '../config.js';
import { sigmoidTopK } from './sigmoid-routing.js';

/**
 * GLM-4.7-Flash's feed-forward block per layer (`Glm4MoeLiteMoE`): in a
 * sparse layer the shared mixture-of-experts block of `@pio/onnx` (one `If`
 * per expert, only the chosen ones run) with the sigmoid router of
 * {@link sigmoidTopK} over `mlp.experts.{j}`, plus the shared expert
 * `mlp.shared_experts` (width `n_shared_experts × moe_intermediate_size`)
 * added without a gate; a dense layer (before `first_k_dense_replace`) keeps
 * the plain gated MLP of width `intermediate_size`.
 *
 * @param config the checkpoint's config
 * @returns the block for `DecoderTransformerOptions.blocks.feedForward`
 */
export function glmFeedForward(config: Glm4MoeLiteConfig): DecoderBlock {
  const numExperts = config.numRoutedExperts;
  return async (context, x) => {
    if (!config.isSparseLayer(context.layer)) return gatedMlp(context, x);
    const { g, weights, prefix, options } = context;
    const biasName = `${prefix}.mlp.gate.e_score_correction_bias`;
    const selectionBias = g.initializer(biasName, await weights.read(biasName, [numExperts]), [numExperts]);
    const routed = mixtureOfExperts({
      numExperts,
      expertWidth: config.moeIntermediateSize,
      routing: sigmoidTopK({
        numExperts,
        topK: config.numExpertsPerTok,
        normalize: config.normTopkProb,
        scalingFactor: config.routedScalingFactor,
        selectionBias,
        groups: config.numGroups,
        topkGroup: config.topkGroup,
      }),
    });
    const sum = await routed(context, x);
    if (config.numSharedExperts === 0) return sum;
    const shared = await gatedMlpAt(g, weights, x, `${prefix}.mlp.shared_experts`, {
      hiddenSize: options.hiddenSize,
      intermediateSize: config.numSharedExperts * config.moeIntermediateSize,
    });
    return g.add(sum, shared);
  };
}
