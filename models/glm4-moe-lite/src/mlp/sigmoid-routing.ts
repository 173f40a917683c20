import { attr, type ExpertRouting, type GraphBuilder } from '@pio/onnx';

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
  /** Expert groups (`n_group`); default 1. */
  groups?: number;
  /** Groups a token may choose from (`topk_group`); default all. */
  topkGroup?: number;
}

/**
 * GLM-4.7-Flash's (and DeepSeek-V3's `noaux_tc`) router, in float32:
 * s = sigmoid(logits); the `topK` experts of largest s +
 * `e_score_correction_bias` (the bias only chooses, it
 * never weighs); weights = s at the chosen experts, divided by their sum
 * (+1e-20) when `normalize`, times `scalingFactor`. Returns the dense
 * `[N, experts]` weights, zero for experts not chosen.
 *
 * With `groups` > 1 (DeepSeek-V3's group-limited routing) the choices are
 * first split into equal groups, each scored by the sum of its two largest
 * choices; only the `topkGroup` best groups stay open, the other experts'
 * choices become 0 (as transformers' `masked_fill(..., 0.0)`, not −∞).
 */
export function sigmoidTopK(options: SigmoidRoutingOptions): ExpertRouting {
  return (g, logits) => {
    const bias = options.selectionBias;
    const scores = g.sigmoid(logits);
    const choices = limitToGroups(g, g.add(scores, bias), options);
    const [, indices] = g.op('TopK', [choices, int64(g, options.topK)], { axis: attr.int(-1) }, { outputs: 2 }) as [
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

function int64(g: GraphBuilder, value: number): string {
  return g.constant(new BigInt64Array([BigInt(value)]), [1]);
}

/** The choices `[N, experts]` with every expert outside the `topkGroup` best groups set to 0. */
function limitToGroups(g: GraphBuilder, choices: string, options: SigmoidRoutingOptions): string {
  const groups = options.groups ?? 1;
  const open = options.topkGroup ?? groups;
  if (groups === 1 || open >= groups) return choices;
  const size = options.numExperts / groups;
  const grouped = g.reshape(choices, [-1, groups, size]);
  const [bestTwo] = g.op('TopK', [grouped, int64(g, 2)], { axis: attr.int(-1) }, { outputs: 2 }) as [string, string];
  const groupScores = g.reduceSum(bestTwo, [-1], false);
  const [, openGroups] = g.op('TopK', [groupScores, int64(g, open)], { axis: attr.int(-1) }, { outputs: 2 }) as [
    string,
    string,
  ];
  const zeros = g.constantOfShape(g.shape(groupScores), 0);
  const ones = g.constantOfShape(g.shape(openGroups), 1);
  const groupMask = g.op('ScatterElements', [zeros, openGroups, ones], { axis: attr.int(1) })[0]!;
  const expertMask = g.reshape(g.expand(g.unsqueeze(groupMask, [-1]), [1, 1, size]), [-1, options.numExperts]);
  return g.mul(choices, expertMask);
}
