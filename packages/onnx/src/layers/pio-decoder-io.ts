import type { GraphBuilder } from '../graph/graph-builder.js';
import { type CachedAttentionLayout, cachedAttention, cachePaddingBias, stepAttention } from './cached-attention.js';
import type { DecoderGraphIo, DecoderIoRotary, DecoderIoShape } from './decoder-graph-io.js';
import { prefillAttention } from './prefill-attention.js';
import { slotBatchAttention, slotPastBias, slotStepAttention } from './slot-batch-attention.js';

/**
 * How a PIO-I/O graph attends: `'cached'` ({@link cachedAttention}, fastest
 * for one or a few new tokens: the decode graph), `'prefill'`
 * ({@link prefillAttention}: onnxruntime's fused causal GroupQueryAttention,
 * fastest for long prompts), or `'switch'`: per layer, an `If` runs
 * `'prefill'` when more than one token is fed and `'cached'` for one, so one
 * graph (one session, one packed copy of the weights) serves both.
 */
export type PioAttentionKind = 'cached' | 'prefill' | 'switch';

/** Names of the inputs and outputs of PIO's engine I/O (see `decoderIo` of `@pio/engine`). */
export interface DecoderIoNames {
  /** int64 `[S]` new token ids. */
  inputIds: string;
  /** int64 `[L]` positions among the new tokens whose logits are returned. */
  logitIndices: string;
  /** float32 `[L, vocab]`. */
  logits: string;
  /** float32 `[1 + T, kvHeads * headDim]` cache of layer i: a padding row (ignored), then T cached tokens. */
  pastKey(layer: number): string;
  /** float32 `[1 + T, kvHeads * headDim]`, laid out as `pastKey`. */
  pastValue(layer: number): string;
  /** float32 `[S, kvHeads * headDim]` new keys (rotated) of layer i. */
  newKey(layer: number): string;
  /** float32 `[S, kvHeads * headDim]`. */
  newValue(layer: number): string;
  /**
   * The batched inputs of continuous batching (with attention `'switch'`
   * only; a graph without them runs one sequence at a time). When
   * `sequenceLengths` is non-empty the graph runs B sequences at once through
   * {@link slotBatchAttention}: `input_ids` holds B × S tokens (sequence-major),
   * `positions` their positions, and each layer's cache comes from the slot
   * pool; the single-sequence `past_*` inputs are then a lone padding row.
   */
  batch?: {
    /** int32 `[B]`: each sequence's length after the step; empty (`[0]`) for a single-sequence run. */
    sequenceLengths: string;
    /**
     * int64 `[B × S]`: the position of every new token, sequence-major; empty for a single-sequence run. The
     * graph rotates each sequence's S tokens on their own (positions `[B, S]`), so a run may hold more tokens
     * in all than the rotary table has rows: only S and each position must stay below it.
     */
    positions: string;
    /** float32 `[B, kvHeads, capacity, headDim]`: layer i's key slots (capacity 0 for a prefill of fresh prompts). */
    slotKey(layer: number): string;
    /** float32 `[B, kvHeads, capacity, headDim]`. */
    slotValue(layer: number): string;
  };
}

/**
 * PIO's engine I/O, batch size 1: new tokens in, each layer's cache in as a
 * token-major `[1 + T, kvHeads * headDim]` view (kept in JS; row 0 is
 * padding that keeps the input non-empty), positions `T + [0, S)`, logits only at `logit_indices`, and only the new tokens' K/V
 * out (JS appends them to its cache).
 *
 * @param graph the graph
 * @param names input and output names
 * @param shape sizes
 * @param rotary cos/sin caches
 * @param attention which attention the layers use (default `'cached'`); the I/O is the same
 * @param layout the layout of `'cached'` attention (see {@link CachedAttentionLayout}; default `defaultCachedAttentionLayout`); with `'switch'`, the step branch uses it when given, else the one-token {@link stepAttention}
 */
export function pioDecoderIo(
  graph: GraphBuilder,
  names: DecoderIoNames,
  shape: DecoderIoShape,
  rotary: DecoderIoRotary,
  attention: PioAttentionKind = 'cached',
  layout?: CachedAttentionLayout,
): DecoderGraphIo {
  const { numLayers, numHeads, numKvHeads, headDim, vocabSize } = shape;
  const kvSize = numKvHeads * headDim;
  const tokenIds = graph.input(names.inputIds, 'int64', ['new_tokens']);
  const logitIndices = graph.input(names.logitIndices, 'int64', ['logit_count']);
  const keyOnly = shape.keyOnlyCache === true;
  const past = Array.from({ length: numLayers }, (_, layer) => {
    const key = graph.input(names.pastKey(layer), 'float32', ['past_rows', kvSize]);
    // A key-only cache (latent attention): values are read from the keys' rows.
    return { key, value: keyOnly ? key : graph.input(names.pastValue(layer), 'float32', ['past_rows', kvSize]) };
  });
  const pastLength = graph.sub(graph.shape(past[0]!.key, { start: 0, end: 1 }), graph.constInt64([1]));
  // A key-only cache (latent attention) has no slot-pool layout yet: such graphs run one sequence at a time.
  const batch =
    attention === 'switch' && names.batch && !keyOnly
      ? batchInputs(graph, names.batch, shape, tokenIds, pastLength)
      : undefined;
  // RotaryEmbedding reads a [1] position as the first of S consecutive positions of one sequence, a [B, S] one per
  // token of B sequences. It refuses a sequence longer than its table, whatever the positions: a batched run's rows
  // are rotated as its B sequences of S tokens (sequencesShape, [B, S, -1]), never as one sequence of B·S tokens.
  const positions = batch?.positionIds ?? pastLength;
  const asSequences = batch
    ? (x: string) => graph.reshape(x, batch.sequencesShape)
    : (x: string) => graph.unsqueeze(x, [0]);
  const rotate = (x: string, heads: number, headSize: number = headDim) =>
    graph.reshape(graph.msRotaryEmbedding(asSequences(x), positions, rotary.cos, rotary.sin, { numHeads: heads }), [
      -1,
      heads * headSize,
    ]);
  // 'switch': true when more than one new token is fed (a prompt), computed once for every layer's If.
  const isPrompt =
    attention === 'switch'
      ? graph.squeeze(
          graph.op('Greater', [graph.shape(tokenIds, { start: 0, end: 1 }), graph.constInt64([1])])[0]!,
          [0],
        )
      : undefined;
  // The step branch's padding mask, once for every layer (all caches have the same length).
  const paddingBias = isPrompt ? cachePaddingBias(graph, past[0]!.key) : undefined;
  return {
    tokenIds,
    rotate,
    attention(layer, projected, options = {}) {
      const rotatedKey = options.rotated ? projected.key : rotate(projected.key, numKvHeads);
      const value = keyOnly ? rotatedKey : projected.value;
      graph.output(names.newKey(layer), 'float32', ['new_tokens', kvSize], graph.identity(rotatedKey));
      if (!keyOnly) graph.output(names.newValue(layer), 'float32', ['new_tokens', kvSize], graph.identity(value));
      const { key: pastKey, value: pastValue } = past[layer]!;
      const query = options.rotated ? projected.query : rotate(projected.query, numHeads);
      const inputs = { query, key: rotatedKey, value, pastKey, pastValue };
      const heads = { numHeads, numKvHeads, headDim };
      if (isPrompt) {
        const single = (builder: GraphBuilder) => {
          const prompt = builder.subgraph(`layer_${layer}_prompt_attention`, (sub) => [
            prefillAttention(sub, inputs, heads),
          ]);
          // The else branch runs for exactly one new token.
          const step = builder.subgraph(`layer_${layer}_step_attention`, (sub) => [
            layout
              ? cachedAttention(sub, inputs, heads, layout)
              : stepAttention(sub, { ...inputs, paddingBias: paddingBias! }, heads),
          ]);
          return builder.ifElse(isPrompt, prompt, step, 1, { name: `model.layers.${layer}.self_attn/attention` })[0]!;
        };
        if (!batch) return single(graph);
        const slots = {
          query: inputs.query,
          key: rotatedKey,
          value,
          slotKey: batch.slotKey[layer]!,
          slotValue: batch.slotValue[layer]!,
        };
        // Slots with a past: one token each, read in place; fresh prompts (capacity 0): GroupQueryAttention.
        const batched = graph.subgraph(`layer_${layer}_batch_attention`, (sub) => {
          const step = sub.subgraph(`layer_${layer}_batch_step_attention`, (inner) => [
            slotStepAttention(inner, { ...slots, pastBias: batch.pastBias }, heads),
          ]);
          const prompts = sub.subgraph(`layer_${layer}_batch_prompt_attention`, (inner) => [
            slotBatchAttention(inner, { ...slots, sequenceLengths: batch.sequenceLengths }, heads),
          ]);
          return [
            sub.ifElse(batch.hasPast, step, prompts, 1, {
              name: `model.layers.${layer}.self_attn/batch_step_or_prompts`,
            })[0]!,
          ];
        });
        const alone = graph.subgraph(`layer_${layer}_single_attention`, (sub) => [single(sub)]);
        return graph.ifElse(batch.isBatch, batched, alone, 1, {
          name: `model.layers.${layer}.self_attn/batch_or_single`,
        })[0]!;
      }
      return attention === 'prefill'
        ? prefillAttention(graph, inputs, heads)
        : cachedAttention(graph, inputs, heads, layout);
    },
    // Only the requested rows go through the final norm and the LM head.
    logitRows: (hidden) => graph.gather(hidden, logitIndices, 0),
    outputLogits: (logits) => {
      graph.output(names.logits, 'float32', ['logit_count', vocabSize], logits);
    },
  };
}

/**
 * Declares the batched inputs and computes, once for every layer, whether
 * this run is batched and the position of every new token: `[B, S]` from
 * the `positions` input when batched (B from `sequence_lengths`), `[1, S]`
 * holding `T + [0, S)` otherwise, with `sequencesShape` `[B, S, -1]` (or
 * `[1, S, -1]`) to lay token rows out as those sequences.
 */
function batchInputs(
  graph: GraphBuilder,
  names: NonNullable<DecoderIoNames['batch']>,
  shape: DecoderIoShape,
  tokenIds: string,
  pastLength: string,
): {
  isBatch: string;
  hasPast: string;
  pastBias: string;
  positionIds: string;
  sequencesShape: string;
  sequenceLengths: string;
  slotKey: string[];
  slotValue: string[];
} {
  const { numLayers } = shape;
  const sequenceLengths = graph.input(names.sequenceLengths, 'int32', ['batch']);
  const positions = graph.input(names.positions, 'int64', ['new_tokens_or_0']);
  const slotKey: string[] = [];
  const slotValue: string[] = [];
  for (let layer = 0; layer < numLayers; layer++) {
    // Heads and head size are left symbolic: a one-sequence run feeds an empty [0, 0, 0, 0] slot.
    slotKey.push(graph.input(names.slotKey(layer), 'float32', ['batch', 'kv_heads', 'slot_capacity', 'head_dim']));
    slotValue.push(graph.input(names.slotValue(layer), 'float32', ['batch', 'kv_heads', 'slot_capacity', 'head_dim']));
  }
  const isBatch = graph.squeeze(
    graph.op('Greater', [graph.shape(sequenceLengths, { start: 0, end: 1 }), graph.constInt64([0])])[0]!,
    [0],
  );
  // [B·S] -> [B, S]: one row of positions per sequence.
  const given = graph.subgraph(
    'batch_positions',
    (sub) => [sub.reshape(positions, sub.concat([sub.shape(sequenceLengths), sub.constInt64([-1])], 0))],
    'int64',
  );
  const consecutive = graph.subgraph(
    'single_positions',
    (sub) => [
      sub.unsqueeze(
        sub.add(
          sub.range(0, sub.squeeze(sub.shape(tokenIds, { start: 0, end: 1 }), [0]), 1),
          sub.squeeze(pastLength, [0]),
        ),
        [0],
      ),
    ],
    'int64',
  );
  const positionIds = graph.ifElse(isBatch, given, consecutive, 1, { name: 'positions/batch_or_single' })[0]!;
  const sequencesShape = graph.concat([graph.shape(positionIds), graph.constInt64([-1])], 0);
  // A batched run over slots with a past (capacity > 0) is a decode step; capacity 0 is a prefill of fresh prompts.
  const hasPast = graph.squeeze(
    graph.op('Greater', [graph.shape(slotKey[0]!, { start: 2, end: 3 }), graph.constInt64([0])])[0]!,
    [0],
  );
  const pastBias = slotPastBias(graph, slotKey[0]!, sequenceLengths);
  return { isBatch, hasPast, pastBias, positionIds, sequencesShape, sequenceLengths, slotKey, slotValue };
}
