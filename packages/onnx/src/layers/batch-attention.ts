import type { GraphBuilder } from '../graph/graph-builder.js';
import type { CachedAttentionShape } from './cached-attention.js';

// float32's lowest finite value, as Hugging Face masks with torch.finfo(dtype).min. Not -Infinity: a query at a
// padding position sees no key at all, and -Infinity everywhere would make its softmax NaN; that NaN reaches the
// padding token's K/V in the next layer, and 0 · NaN poisons every real token that reads them.
const blockedScore = -3.4028234663852886e38;

/**
 * Which attention scores {@link batchAttention} blocks, for a batch of
 * sequences padded on either side: query token t of the new tokens (at
 * column `T - S + t` of the attention mask) may read column j when
 * `j <= T - S + t` and `attentionMask[b, j]` is 1. Built once and shared by
 * every layer.
 *
 * @param graph the graph
 * @param attentionMask int64 `[batch, T]`: 1 for real tokens, 0 for padding, over past and new tokens
 * @param newLength int64 `[1]` holding S, the new tokens per sequence
 * @param group query heads per key/value head (rows of a group are stacked token by token)
 * @returns bool `[batch, 1, S * group, T]`, true where a score is blocked
 */
export function batchAttentionMask(
  graph: GraphBuilder,
  attentionMask: string,
  newLength: string,
  group: number,
): string {
  const totalLength = graph.shape(attentionMask, { start: 1, end: 2 });
  const pastLength = graph.sub(totalLength, newLength);
  // Row r of a group block is query token floor(r / group), at column T - S + floor(r / group).
  const tokenIndex = graph.range(0, graph.squeeze(newLength, [0]), 1);
  const rowToken = graph.reshape(graph.expand(graph.unsqueeze(tokenIndex, [1]), graph.constInt64([1, group])), [-1, 1]);
  const rowColumn = graph.add(rowToken, pastLength);
  const column = graph.range(0, graph.squeeze(totalLength, [0]), 1);
  const future = graph.op('Greater', [column, rowColumn])[0]!;
  const padding = graph.unsqueeze(graph.equal(attentionMask, graph.constInt64(0)), [1, 2]);
  return graph.op('Or', [future, padding])[0]!;
}

/**
 * Grouped-query attention for a batch, with the past and present K/V caches
 * of Hugging Face Optimum exports (BNSH: `[batch, kvHeads, length, headDim]`):
 *
 * - `query` `[batch, S, numHeads * headDim]`, already rotated and scaled by 1/sqrt(headDim);
 * - `key`, `value` `[batch, S, numKvHeads * headDim]`: the new tokens (key rotated);
 * - `pastKey`, `pastValue` `[batch, numKvHeads, P, headDim]`, P ≥ 0;
 * - `blocked` from {@link batchAttentionMask}.
 *
 * As in `cachedAttention`, the query heads of a group are stacked so one
 * batched MatMul per K/V head covers the group: scores are
 * `[batch, kvHeads, S * group, P + S]`.
 *
 * @param options exact names of the present outputs
 * @returns the attention output `[batch, S, numHeads * headDim]` and the presents `[batch, kvHeads, P + S, headDim]`
 */
export function batchAttention(
  graph: GraphBuilder,
  inputs: { query: string; key: string; value: string; pastKey: string; pastValue: string; blocked: string },
  shape: CachedAttentionShape,
  options: { presentKey?: string; presentValue?: string } = {},
): { output: string; presentKey: string; presentValue: string } {
  const { numHeads, numKvHeads, headDim } = shape;
  const group = numHeads / numKvHeads;
  // [B, S, kv*D] -> [B, S, kv, D] -> [B, kv, S, D]
  const heads = (x: string) => graph.transpose(graph.reshape(x, [0, 0, numKvHeads, headDim]), [0, 2, 1, 3]);
  const presentKey = graph.concat([inputs.pastKey, heads(inputs.key)], 2, { output: options.presentKey });
  const presentValue = graph.concat([inputs.pastValue, heads(inputs.value)], 2, { output: options.presentValue });

  // [B, S, H*D] -> [B, S, kv, g, D] -> [B, kv, S, g, D] -> [B, kv, S*g, D]
  const q = graph.reshape(
    graph.transpose(graph.reshape(inputs.query, [0, 0, numKvHeads, group, headDim]), [0, 2, 1, 3, 4]),
    [0, 0, -1, headDim],
  );
  const scores = graph.matMul(q, graph.transpose(presentKey, [0, 1, 3, 2]));
  const masked = graph.where(inputs.blocked, graph.constFloat32(blockedScore), scores);
  const context = graph.matMul(graph.softmax(masked, -1), presentValue);
  // [B, kv, S*g, D] -> [B, kv, S, g, D] -> [B, S, kv, g, D] -> [B, S, H*D]
  const output = graph.reshape(graph.transpose(graph.reshape(context, [0, 0, -1, group, headDim]), [0, 2, 1, 3, 4]), [
    0,
    0,
    numHeads * headDim,
  ]);
  return { output, presentKey, presentValue };
}
