import type { GraphBuilder } from '../graph/graph-builder.js';
import type { QuantizedMatMulNBits } from '../quantization/matmul-nbits.js';

/** An unquantized linear layer in the Hugging Face layout. */
export interface FloatLinearWeight {
  /** Row-major `[outFeatures, inFeatures]` (`nn.Linear.weight`). */
  weight: Float32Array;
  /** Input features. */
  inFeatures: number;
  /** Output features. */
  outFeatures: number;
  /** Optional bias `[outFeatures]`. */
  bias?: Float32Array;
}

/** A linear layer's weight: float (Hugging Face layout) or quantized for `MatMulNBits`. */
export type LinearWeight = FloatLinearWeight | QuantizedMatMulNBits;

/**
 * `y = x · Wᵀ (+ b)`: a float weight is stored transposed as
 * `<name>.weight` `[in, out]` for `MatMul`; a quantized one becomes a
 * `MatMulNBits` node (see `GraphBuilder.quantizedMatMul`).
 *
 * @param graph the graph
 * @param x input `[..., inFeatures]`
 * @param name layer name relative to the current scope, e.g. `q_proj`
 * @param weight the weight
 * @param options accuracyLevel for quantized weights (default 0)
 * @returns the output `[..., outFeatures]`
 */
export function linear(
  graph: GraphBuilder,
  x: string,
  name: string,
  weight: LinearWeight,
  options: { accuracyLevel?: 0 | 1 | 2 | 3 | 4 } = {},
): string {
  if ('packed' in weight) return graph.quantizedMatMul(x, name, weight, { accuracyLevel: options.accuracyLevel });
  const { inFeatures, outFeatures } = weight;
  const transposed = new Float32Array(inFeatures * outFeatures);
  for (let o = 0; o < outFeatures; o++) {
    for (let i = 0; i < inFeatures; i++) transposed[i * outFeatures + o] = weight.weight[o * inFeatures + i] as number;
  }
  const product = graph.matMul(x, graph.initializer(`${name}.weight`, transposed, [inFeatures, outFeatures]), {
    name: `${name}/MatMul`,
  });
  if (!weight.bias) return product;
  return graph.add(product, graph.initializer(`${name}.bias`, weight.bias, [outFeatures]), { name: `${name}/Add` });
}
