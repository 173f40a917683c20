import type { GraphBuilder } from '../graph/graph-builder.js';
import { type LinearWeight, linear } from './linear.js';

/** The three projections of a Llama-style gated MLP. */
export interface LlamaMlpWeights {
  /** `gate_proj`: hidden → intermediate. */
  gate: LinearWeight;
  /** `up_proj`: hidden → intermediate. */
  up: LinearWeight;
  /** `down_proj`: intermediate → hidden. */
  down: LinearWeight;
}

/**
 * `SiLU(x) = x · sigmoid(x)`.
 *
 * @param graph the graph
 * @param x input
 */
export function silu(graph: GraphBuilder, x: string): string {
  return graph.mul(x, graph.sigmoid(x, { name: 'act_fn/Sigmoid' }), { name: 'act_fn/Mul' });
}

/**
 * The gated MLP of Llama, Mistral, Qwen and SmolLM:
 * `down_proj(SiLU(gate_proj(x)) · up_proj(x))`. Weights are named
 * `gate_proj`, `up_proj`, `down_proj` in the current scope (for example
 * `model.layers.0.mlp`).
 *
 * @param graph the graph
 * @param x input `[..., hidden]`
 * @param weights the three projections, float or quantized
 * @param options accuracyLevel for quantized weights
 * @returns the output `[..., hidden]`
 */
export function llamaMlp(
  graph: GraphBuilder,
  x: string,
  weights: LlamaMlpWeights,
  options: { accuracyLevel?: 0 | 1 | 2 | 3 | 4 } = {},
): string {
  const gate = linear(graph, x, 'gate_proj', weights.gate, options);
  const up = linear(graph, x, 'up_proj', weights.up, options);
  return linear(graph, graph.mul(silu(graph, gate), up), 'down_proj', weights.down, options);
}
