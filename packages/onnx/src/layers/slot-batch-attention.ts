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
 * - a decode step, S = 1: one new token per sequence over its cached slot
 *   (correct, but the decode graph uses {@link slotStepAttention} for it: see there);
 * - a prefill of fresh prompts, S > 1: every slot empty (capacity 0), each
 *   prompt right-padded to S and `sequenceLengths[b]` its real length (what
 *   the decode graph uses it for).
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

/**
 * The additive mask of a slot pool's unused rows, float32 `[B, 1, 1,
 * capacity]`: 0 at the rows `[0, sequenceLengths[b] - 1)` slot b holds
 * before this step, −∞ from there on (rows past a slot's length hold stale
 * or no tokens). Every layer's pool has the same capacity, so a graph
 * computes it once (from layer 0's slots) for all of
 * {@link slotStepAttention}'s layers.
 *
 * @param graph the graph
 * @param slotKey a `[B, kvHeads, capacity, headDim]` slot input
 * @param sequenceLengths int32 `[B]`: each sequence's length after the step
 */
export function slotPastBias(graph: GraphBuilder, slotKey: string, sequenceLengths: string): string {
  const capacity = graph.squeeze(graph.shape(slotKey, { start: 2, end: 3 }), [0]);
  const row = graph.range(0, capacity, 1);
  const held = graph.unsqueeze(graph.sub(graph.cast(sequenceLengths, 'int64'), graph.constInt64([1])), [1]);
  const unused = graph.op('GreaterOrEqual', [row, held])[0]!;
  const bias = graph.where(unused, graph.constFloat32(Number.NEGATIVE_INFINITY), graph.constFloat32(0));
  return graph.unsqueeze(bias, [1, 2]);
}

/**
 * One new token for each of B sequences over its slot of the pool, read in
 * place: the batched decode step of continuous batching. The pool's rows are
 * the left operand of one batched MatMul per K/V head (scores `[B, kvHeads,
 * group, capacity]`, unused rows masked by `pastBias` from
 * {@link slotPastBias}); each new token sees itself through its own score,
 * concatenated before the softmax, and its value enters by a broadcast `Mul`
 * ({@link stepAttention}'s method, batched).
 *
 * Why not `GroupQueryAttention` (which {@link slotBatchAttention} uses for
 * prompts): over a past it does not share with its present, onnxruntime's
 * CPU kernel zero-fills a present of the pool's full capacity and copies each
 * sequence's past into it once per query head, every layer and step, and
 * onnxruntime-node copies a pre-allocated output back into a new array, so
 * binding the present to the pool does not help. Measured on the SmolLM2-135M
 * shape, int4, 2 threads (`pnpm --filter @pio/model-llama bench:batched-step`):
 * see docs/architecture.md.
 *
 * @param graph the graph
 * @param inputs rotated, pre-scaled query `[B, numHeads * headDim]`, the new key and value `[B, kvHeads * headDim]`, the slots, and `pastBias`
 * @param shape head counts
 * @returns the attention output `[B, numHeads * headDim]`
 */
export function slotStepAttention(
  graph: GraphBuilder,
  inputs: { query: string; key: string; value: string; slotKey: string; slotValue: string; pastBias: string },
  shape: CachedAttentionShape,
): string {
  const { numHeads, numKvHeads, headDim } = shape;
  const group = numHeads / numKvHeads;
  // [B, H*D] -> [B, kv, g, D]: the query heads of each K/V head stacked (head h = k * g + i).
  const query = graph.reshape(inputs.query, [-1, numKvHeads, group, headDim]);
  // [B, kv, g, capacity] and [B, kv, g, 1]
  const pastScores = graph.add(graph.matMul(query, graph.transpose(inputs.slotKey, [0, 1, 3, 2])), inputs.pastBias);
  const newScores = graph.matMul(query, graph.reshape(inputs.key, [-1, numKvHeads, headDim, 1]));
  const probabilities = graph.softmax(graph.concat([pastScores, newScores], 3), -1);
  const capacity = graph.shape(inputs.slotKey, { start: 2, end: 3 });
  const pastProbabilities = graph.slice(probabilities, { starts: [0], ends: capacity, axes: [3] });
  const newProbability = graph.slice(probabilities, { starts: capacity, ends: [2 ** 31 - 1], axes: [3] });
  const context = graph.add(
    graph.matMul(pastProbabilities, inputs.slotValue),
    graph.mul(newProbability, graph.reshape(inputs.value, [-1, numKvHeads, 1, headDim])),
  );
  return graph.reshape(context, [-1, numHeads * headDim]);
}
