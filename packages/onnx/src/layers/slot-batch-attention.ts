import type { GraphBuilder } from '../graph/graph-builder.js';
import type { CachedAttentionShape } from './cached-attention.js';

/** Tensor names of {@link slotBatchAttention}'s inputs. */
export interface SlotBatchAttentionInputs {
  /** `[N, numHeads * headDim]`, rotated and scaled by 1/sqrt(headDim); N = B × S rows, sequence-major. */
  query: string;
  /** `[N, numKvHeads * headDim]`, rotated. */
  key: string;
  /** `[N, numKvHeads * headDim]`. */
  value: string;
  /** `[B, numKvHeads, capacity, headDim]`: each sequence's cached keys (BNSH, one slot per sequence). */
  slotKey: string;
  /** `[B, numKvHeads, capacity, headDim]`. */
  slotValue: string;
  /** int32 `[B]`: each sequence's length after this step (its cached tokens plus its real new tokens). */
  sequenceLengths: string;
}

/**
 * Causal grouped-query attention for B sequences at once, each with its own
 * cache length, through onnxruntime's `GroupQueryAttention` (com.microsoft)
 * and its `seqlens_k`: the batched decode step of continuous batching.
 *
 * Each sequence owns a slot of a per-layer pool kept in JS,
 * `[slots, kvHeads, capacity, headDim]`; the engine feeds the first B slots
 * as one zero-copy view and GroupQueryAttention reads only the first
 * `sequenceLengths[b] - S` rows of slot b (the rest of the capacity is never
 * touched). Two calls are valid (onnxruntime refuses several new tokens over
 * a past at batch > 1):
 *
 * - a decode step, S = 1: one new token per sequence over its cached slot;
 * - a prefill of fresh prompts, S > 1: every slot empty (capacity 0), each
 *   prompt right-padded to S and `sequenceLengths[b]` its real length.
 *
 * The slot pool is read, never copied back: only the new tokens' K/V leave
 * the graph (as in the single-sequence I/O), and JS writes them into the slots.
 *
 * @returns the attention output `[N, numHeads * headDim]`
 */
export function slotBatchAttention(
  graph: GraphBuilder,
  inputs: SlotBatchAttentionInputs,
  shape: CachedAttentionShape,
): string {
  const { numHeads, numKvHeads, headDim } = shape;
  const batch = graph.shape(inputs.sequenceLengths, { start: 0, end: 1 });
  // [N, width] -> [B, S, width]
  const batched = (x: string, width: number) =>
    graph.reshape(x, graph.concat([batch, graph.constInt64([-1, width])], 0));
  const seqlensK = graph.sub(inputs.sequenceLengths, graph.constInt32([1]));
  const total = graph.op('ReduceMax', [inputs.sequenceLengths], { keepdims: 0 })[0]!;
  const { output } = graph.groupQueryAttention(
    {
      query: batched(inputs.query, numHeads * headDim),
      key: batched(inputs.key, numKvHeads * headDim),
      value: batched(inputs.value, numKvHeads * headDim),
      pastKey: inputs.slotKey,
      pastValue: inputs.slotValue,
      seqlensK,
      totalSequenceLength: total,
    },
    { numHeads, kvNumHeads: numKvHeads, scale: 1 },
  );
  return graph.reshape(output, [-1, numHeads * headDim]);
}
