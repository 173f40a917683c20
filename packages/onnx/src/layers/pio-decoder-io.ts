import type { GraphBuilder } from '../graph/graph-builder.js';
import { type CachedAttentionLayout, cachedAttention } from './cached-attention.js';
import type { DecoderGraphIo, DecoderIoRotary, DecoderIoShape } from './decoder-graph-io.js';
import { prefillAttention } from './prefill-attention.js';

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
 * @param layout the layout of `'cached'` attention (see {@link CachedAttentionLayout}; default `defaultCachedAttentionLayout`)
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
  const past = Array.from({ length: numLayers }, (_, layer) => ({
    key: graph.input(names.pastKey(layer), 'float32', ['past_rows', kvSize]),
    value: graph.input(names.pastValue(layer), 'float32', ['past_rows', kvSize]),
  }));
  const pastLength = graph.sub(graph.shape(past[0]!.key, { start: 0, end: 1 }), graph.constInt64([1]));
  // RotaryEmbedding reads a [1] position as the first of consecutive positions.
  const rotate = (x: string, heads: number) =>
    graph.reshape(
      graph.msRotaryEmbedding(graph.unsqueeze(x, [0]), pastLength, rotary.cos, rotary.sin, { numHeads: heads }),
      [-1, heads * headDim],
    );
  // 'switch': true when more than one new token is fed (a prompt), computed once for every layer's If.
  const isPrompt =
    attention === 'switch'
      ? graph.squeeze(
          graph.op('Greater', [graph.shape(tokenIds, { start: 0, end: 1 }), graph.constInt64([1])])[0]!,
          [0],
        )
      : undefined;
  return {
    tokenIds,
    attention(layer, { query, key, value }) {
      const rotatedKey = rotate(key, numKvHeads);
      graph.output(names.newKey(layer), 'float32', ['new_tokens', kvSize], graph.identity(rotatedKey));
      graph.output(names.newValue(layer), 'float32', ['new_tokens', kvSize], graph.identity(value));
      const { key: pastKey, value: pastValue } = past[layer]!;
      const inputs = { query: rotate(query, numHeads), key: rotatedKey, value, pastKey, pastValue };
      const heads = { numHeads, numKvHeads, headDim };
      if (isPrompt) {
        const prompt = graph.subgraph(`layer_${layer}_prompt_attention`, (sub) => [
          prefillAttention(sub, inputs, heads),
        ]);
        const step = graph.subgraph(`layer_${layer}_step_attention`, (sub) => [
          cachedAttention(sub, inputs, heads, layout),
        ]);
        return graph.ifElse(isPrompt, prompt, step, 1, { name: `model.layers.${layer}.self_attn/attention` })[0]!;
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
