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
 * - `pastKey`, `pastValue` `[T, numKvHeads * headDim]`: the cache, T ≥ 0.
 *
 * The query heads of each group are stacked so one batched MatMul per K/V head
 * covers the whole group (no repeated K/V, no per-head work): scores
 * `[kvHeads, S * group, T + S]`, masked where key position > query position.
 * FACTS.md measured this design flat in context length.
 *
 * @param pastLength int64 `[1]` tensor holding T
 * @returns the attention output `[S, numHeads * headDim]`
 */
export function cachedAttention(
  graph: GraphBuilder,
  inputs: { query: string; key: string; value: string; pastKey: string; pastValue: string; pastLength: string },
  shape: CachedAttentionShape,
): string {
  const { numHeads, numKvHeads, headDim } = shape;
  const group = numHeads / numKvHeads;
  const keys = graph.concat([inputs.pastKey, inputs.key], 0);
  const values = graph.concat([inputs.pastValue, inputs.value], 0);

  // [S, H*D] -> [S, kv, g, D] -> [kv, S, g, D] -> [kv, S*g, D]
  const q = graph.reshape(
    graph.transpose(graph.reshape(inputs.query, [0, numKvHeads, group, headDim]), [1, 0, 2, 3]),
    [numKvHeads, -1, headDim],
  );
  // [T+S, kv*D] -> [T+S, kv, D] -> [kv, D, T+S]
  const kT = graph.transpose(graph.reshape(keys, [-1, numKvHeads, headDim]), [1, 2, 0]);
  const scores = graph.matMul(q, kT);

  // Row r of a group block is query token floor(r / g), at position T + floor(r / g).
  const newLength = graph.shape(inputs.key, { start: 0, end: 1 });
  const tokenIndex = graph.range(0, graph.squeeze(newLength, [0]), 1);
  const rowToken = graph.reshape(graph.expand(graph.unsqueeze(tokenIndex, [1]), graph.constInt64([1, group])), [-1, 1]);
  const rowPosition = graph.add(rowToken, inputs.pastLength);
  const totalLength = graph.squeeze(graph.shape(keys, { start: 0, end: 1 }), [0]);
  const columnPosition = graph.range(0, totalLength, 1);
  const future = graph.op('Greater', [columnPosition, rowPosition])[0]!;
  const masked = graph.where(future, graph.constFloat32(Number.NEGATIVE_INFINITY), scores);
  const probabilities = graph.softmax(masked, -1);

  // [T+S, kv*D] -> [T+S, kv, D] -> [kv, T+S, D]
  const v = graph.transpose(graph.reshape(values, [-1, numKvHeads, headDim]), [1, 0, 2]);
  const context = graph.matMul(probabilities, v);
  // [kv, S*g, D] -> [kv, S, g, D] -> [S, kv, g, D] -> [S, H*D]
  return graph.reshape(
    graph.transpose(graph.reshape(context, [numKvHeads, -1, group, headDim]), [1, 0, 2, 3]),
    [-1, numHeads * headDim],
  );
}
