import type { GraphBuilder } from '../graph/graph-builder.js';
import type { CachedAttentionShape } from './cached-attention.js';

/**
 * Causal grouped-query attention for many new tokens over the same cache
 * inputs as `cachedAttention` (batch 1, token-major, row 0 of the past is
 * padding), computed by onnxruntime's fused `GroupQueryAttention`
 * (com.microsoft): it skips the blocked half of the scores and never
 * materializes the `[kvHeads, S * group, T + S]` score tensor, which makes a
 * long prompt about twice as fast as `cachedAttention` (FACTS.md: 1536
 * tokens in ~2 s against ~4 s on the SmolLM2-135M shape).
 *
 * The past is copied once into the BNSH layout GroupQueryAttention reads
 * (`[1, kvHeads, T, headDim]`, padding row dropped); that costs O(T) per
 * layer, nothing next to the O(S · (T + S)) attention of a prompt. New token
 * i sees the T cached tokens and new tokens 0..i (GroupQueryAttention aligns
 * its causal mask to the end of the sequence: a prompt over a cached past
 * works, as for the next turn of a chat).
 *
 * - `query` `[S, numHeads * headDim]`, already rotated and scaled by 1/sqrt(headDim) (so `scale` is 1);
 * - `key`, `value` `[S, numKvHeads * headDim]`: the new tokens (key rotated);
 * - `pastKey`, `pastValue` `[1 + T, numKvHeads * headDim]`, T ≥ 0.
 *
 * @returns the attention output `[S, numHeads * headDim]`
 */
export function prefillAttention(
  graph: GraphBuilder,
  inputs: { query: string; key: string; value: string; pastKey: string; pastValue: string },
  shape: CachedAttentionShape,
): string {
  const { numHeads, numKvHeads, headDim } = shape;
  // [1 + T, kv*D] -> drop the padding row -> [1, T, kv, D] -> [1, kv, T, D]
  const bnsh = (past: string) =>
    graph.transpose(
      graph.reshape(graph.slice(past, { starts: [1], ends: [2 ** 31 - 1], axes: [0] }), [1, -1, numKvHeads, headDim]),
      [0, 2, 1, 3],
    );
  const batched = (x: string) => graph.unsqueeze(x, [0]);
  const pastRows = graph.shape(inputs.pastKey, { start: 0, end: 1 });
  const newRows = graph.shape(inputs.key, { start: 0, end: 1 });
  // total = T + S = (1 + T) - 1 + S; seqlens_k is total - 1 (one entry per sequence of the batch).
  const total = graph.cast(graph.add(graph.sub(pastRows, graph.constInt64([1])), newRows), 'int32');
  const seqlensK = graph.sub(total, graph.constInt32([1]));
  const { output } = graph.groupQueryAttention(
    {
      query: batched(inputs.query),
      key: batched(inputs.key),
      value: batched(inputs.value),
      pastKey: bnsh(inputs.pastKey),
      pastValue: bnsh(inputs.pastValue),
      seqlensK,
      totalSequenceLength: graph.squeeze(total, [0]),
    },
    { numHeads, kvNumHeads: numKvHeads, scale: 1 },
  );
  return graph.reshape(output, [-1, numHeads * headDim]);
}
