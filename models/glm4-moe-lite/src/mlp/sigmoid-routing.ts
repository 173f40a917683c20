import { attr, type ExpertRouting } from '@pio/onnx';

/** The router settings of {@link sigmoidTopK}. */
export interface SigmoidRoutingOptions {
  /** Experts in the layer. */
  numExperts: number;
  /** Experts per token. */
  topK: number;
  /** Divide the chosen scores by their sum (`norm_topk_prob`). */
  normalize: boolean;
  /** Multiplies the weights (`routed_scaling_factor`). */
  scalingFactor: number;
  /** The graph initializer of this layer's `e_score_correction_bias` `[experts]`. */
  selectionBias: string;
}

/**
 * GLM-4.7-Flash's (and DeepSeek-V3's `noaux_tc`) router, in float32:
 * s = sigmoid(logits); the `topK` experts of largest s +
 * `e_score_correction_bias` (the bias only chooses, it
 * never weighs); weights = s at the chosen experts, divided by their sum
 * (+1e-20) when `normalize`, times `scalingFactor`. Returns the dense
 * `[N, experts]` weights, zero for experts not chosen. Group-limited routing
 * (n_group > 1) is refused by the config.
 */
export function sigmoidTopK(options: SigmoidRoutingOptions): ExpertRouting {
  return (g, logits) => {
    const bias = options.selectionBias;
    const scores = g.sigmoid(logits);
    const k = g.constant(new BigInt64Array([BigInt(options.topK)]), [1]);
    const [, indices] = g.op('TopK', [g.add(scores, bias), k], { axis: attr.int(-1) }, { outputs: 2 }) as [
      string,
      string,
    ];
    const chosen = g.op('GatherElements', [scores, indices], { axis: attr.int(1) })[0]!;
    const normalized = options.normalize
      ? g.div(chosen, g.add(g.reduceSum(chosen, [-1], true), g.constFloat32(1e-20)))
      : chosen;
    const weighted =
      options.scalingFactor === 1 ? normalized : g.mul(normalized, g.constFloat32(options.scalingFactor));
    return g.op('ScatterElements', [g.constantOfShape(g.shape(scores), 0), indices, weighted], {
      axis: attr.int(1),
    })[0]!;
  };
}
