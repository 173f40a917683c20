import type { GraphBuilder } from '../graph/graph-builder.js';

/** Which ops {@link rmsNorm} emits. */
export type RmsNormImplementation =
  /** onnxruntime's `SimplifiedLayerNormalization` (default domain): one fused node, any opset. */
  | 'contrib'
  /** ONNX `RMSNormalization`: one node, needs opset 23. */
  | 'onnx'
  /** Pow, ReduceMean, Add, Sqrt, Reciprocal, Mul: plain ONNX, any runtime. */
  | 'decomposed';

/**
 * RMSNorm over the last axis: `x / sqrt(mean(x²) + epsilon) · weight`, as in
 * Llama, Mistral, Qwen, SmolLM.
 *
 * @param graph the graph
 * @param x input `[..., hidden]`
 * @param weight weight tensor name, or its values (added as the initializer `weight` in the current scope)
 * @param options epsilon (`rms_norm_eps`) and the implementation (default `contrib`)
 * @returns the normalized tensor
 */
export function rmsNorm(
  graph: GraphBuilder,
  x: string,
  weight: string | Float32Array,
  options: { epsilon: number; implementation?: RmsNormImplementation },
): string {
  const scale = typeof weight === 'string' ? weight : graph.initializer('weight', weight, [weight.length]);
  const { epsilon } = options;
  switch (options.implementation ?? 'contrib') {
    case 'contrib':
      return graph.simplifiedLayerNormalization(x, scale, { epsilon });
    case 'onnx':
      return graph.rmsNormalization(x, scale, { epsilon });
    case 'decomposed': {
      const meanSquare = graph.reduceMean(graph.pow(x, graph.constFloat32(2)), [-1]);
      const inverseRms = graph.reciprocal(graph.sqrt(graph.add(meanSquare, graph.constFloat32(epsilon))));
      return graph.mul(graph.mul(x, inverseRms), scale);
    }
  }
}
