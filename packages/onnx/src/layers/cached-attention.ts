import type { GraphBuilder } from '../graph/graph-builder.js';

/** Head counts of {@link cachedAttention}. */
export interface CachedAttentionShape {
  /** Query heads. */
  numHeads: number;
  /** Key/value heads; divides `numHeads`. */
  numKvHeads: number;
  /** Size of one head. */
  headDim: number;
}

/**
 * Causal grouped-query attention over a KV cache that lives outside the graph
 * (PIO's engine feeds it as zero-copy views), for batch size 1, token-major:
 *
 * - `query` `[S, numHeads * headDim]`, already rotated and scaled by 1/sqrt(headDim);
 * - `key`, `value` `[S, numKvHeads * headDim]`: the new tokens (key rotated);
 * - `pastKey`, `pastValue` `[1 + T, numKvHeads * headDim]`: a padding row,
 *   then the T cached tokens. The padding row keeps the past non-empty, which
 *   onnxruntime's fused MatMul needs (it fails on an empty one, FACTS.md); it
 *   is masked out.
 *
 * The past and the new tokens are scored separately and only the scores are
 * joined, so the cache is read once and never copied (joining K/V instead
 * copied the whole cache every step: 10.7 of ~40 ms per Qwen3-0.6B int4 step
 * at context 1536). The query heads of each group are stacked, so one batched
 * MatMul per K/V head covers the group: scores `[kvHeads, S * group, 1 + T + S]`.
 *
 * @returns the attention output `[S, numHeads * headDim]`
 */
export function cachedAttention(
  graph: GraphBuilder,
  inputs: { query: string; key: string; value: string; pastKey: string; pastValue: string },
  shape: CachedAttentionShape,
): string {
  const { numHeads, numKvHeads, headDim } = shape;
  const group = numHeads / numKvHeads;
  // [S, H*D] -> [S, kv, g, D] -> [kv, S, g, D] -> [kv, S*g, D]
  const q = graph.reshape(
    graph.transpose(graph.reshape(inputs.query, [0, numKvHeads, group, headDim]), [1, 0, 2, 3]),
    [numKvHeads, -1, headDim],
  );
  // [T, kv*D] -> [kv, D, T] and [kv, T, D]; onnxruntime folds these transposes into its MatMul.
  const keysT = (keys: string) => graph.transpose(graph.reshape(keys, [-1, numKvHeads, headDim]), [1, 2, 0]);
  const valuesT = (values: string) => graph.transpose(graph.reshape(values, [-1, numKvHeads, headDim]), [1, 0, 2]);
  const minusInfinity = graph.constFloat32(Number.NEGATIVE_INFINITY);

  // Every cached token is visible to every new token; the padding row to none.
  const pastRows = graph.shape(inputs.pastKey, { start: 0, end: 1 });
  const padding = graph.equal(graph.range(0, graph.squeeze(pastRows, [0]), 1), graph.constInt64(0));
  const pastScores = graph.where(padding, minusInfinity, graph.matMul(q, keysT(inputs.pastKey)));
  // Among the new tokens the mask is causal: row r of a group block is new token floor(r / g).
  const newLength = graph.shape(inputs.key, { start: 0, end: 1 });
  const tokenIndex = graph.range(0, graph.squeeze(newLength, [0]), 1);
  const rowToken = graph.reshape(graph.expand(graph.unsqueeze(tokenIndex, [1]), graph.constInt64([1, group])), [-1, 1]);
  const future = graph.op('Greater', [tokenIndex, rowToken])[0]!;
  const newScores = graph.where(future, minusInfinity, graph.matMul(q, keysT(inputs.key)));

  const probabilities = graph.softmax(graph.concat([pastScores, newScores], 2), -1);
  const pastProbabilities = graph.slice(probabilities, { starts: [0], ends: pastRows, axes: [2] });
  const newProbabilities = graph.slice(probabilities, { starts: pastRows, ends: [2 ** 31 - 1], axes: [2] });
  const context = graph.add(
    graph.matMul(pastProbabilities, valuesT(inputs.pastValue)),
    graph.matMul(newProbabilities, valuesT(inputs.value)),
  );
  // [kv, S*g, D] -> [kv, S, g, D] -> [S, kv, g, D] -> [S, H*D]
  return graph.reshape(
    graph.transpose(graph.reshape(context, [numKvHeads, -1, group, headDim]), [1, 0, 2, 3]),
    [-1, numHeads * headDim],
  );
}
