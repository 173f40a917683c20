import type { GraphBuilder } from '../graph/graph-builder.js';
import { batchAttention, batchAttentionMask } from './batch-attention.js';
import type { DecoderGraphIo, DecoderIoRotary, DecoderIoShape } from './decoder-graph-io.js';

/**
 * The input and output names of Hugging Face Optimum's decoder exports, which
 * transformers.js and Optimum's `ORTModelForCausalLM` read:
 *
 * | name | type | shape |
 * | --- | --- | --- |
 * | `input_ids` | int64 | `[batch_size, sequence_length]` |
 * | `attention_mask` | int64 | `[batch_size, total_sequence_length]` (1 real, 0 padding; past and new) |
 * | `position_ids` | int64 | `[batch_size, sequence_length]` |
 * | `past_key_values.{i}.key` / `.value` | float32 | `[batch_size, kvHeads, past_sequence_length, headDim]` |
 * | `logits` | float32 | `[batch_size, sequence_length, vocab]` |
 * | `present.{i}.key` / `.value` | float32 | `[batch_size, kvHeads, total_sequence_length, headDim]` |
 *
 * The symbolic dimension names matter: transformers.js sizes the empty first
 * past from them (`batch_size` becomes the batch, other names 0).
 */
export const optimumIoNames = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  logits: 'logits',
  pastKey: (layer: number) => `past_key_values.${layer}.key`,
  pastValue: (layer: number) => `past_key_values.${layer}.value`,
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
} as const;

/**
 * The Optimum I/O ({@link optimumIoNames}): any batch size, sequences padded
 * on either side (the attention mask blocks padding), positions given, the
 * whole cache in and the whole cache (past + new) out, logits for every new
 * token.
 *
 * @param graph the graph
 * @param shape sizes
 * @param rotary cos/sin caches
 */
export function optimumDecoderIo(graph: GraphBuilder, shape: DecoderIoShape, rotary: DecoderIoRotary): DecoderGraphIo {
  const { numLayers, numHeads, numKvHeads, headDim, vocabSize } = shape;
  const names = optimumIoNames;
  const inputIds = graph.input(names.inputIds, 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = graph.input(names.attentionMask, 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = graph.input(names.positionIds, 'int64', ['batch_size', 'sequence_length']);
  const cacheDims = ['batch_size', numKvHeads, 'past_sequence_length', headDim];
  const past = Array.from({ length: numLayers }, (_, layer) => ({
    key: graph.input(names.pastKey(layer), 'float32', cacheDims),
    value: graph.input(names.pastValue(layer), 'float32', cacheDims),
  }));
  const batchAndLength = graph.shape(inputIds);
  const asSequences = (rows: string, width: number, output?: string) =>
    graph.reshape(rows, graph.concat([batchAndLength, graph.constInt64([width])], 0), { output });
  const rotate = (rows: string, heads: number) =>
    graph.msRotaryEmbedding(asSequences(rows, heads * headDim), positionIds, rotary.cos, rotary.sin, {
      numHeads: heads,
    });
  let blocked: string | undefined;
  const presentDims = ['batch_size', numKvHeads, 'total_sequence_length', headDim];
  return {
    tokenIds: graph.reshape(inputIds, [-1]),
    attention(layer, { query, key, value }) {
      blocked ??= batchAttentionMask(
        graph,
        attentionMask,
        graph.shape(inputIds, { start: 1, end: 2 }),
        numHeads / numKvHeads,
      );
      const { output } = batchAttention(
        graph,
        {
          query: rotate(query, numHeads),
          key: rotate(key, numKvHeads),
          value: asSequences(value, numKvHeads * headDim),
          pastKey: past[layer]!.key,
          pastValue: past[layer]!.value,
          blocked,
        },
        { numHeads, numKvHeads, headDim },
        { presentKey: names.presentKey(layer), presentValue: names.presentValue(layer) },
      );
      graph.output(names.presentKey(layer), 'float32', presentDims);
      graph.output(names.presentValue(layer), 'float32', presentDims);
      return graph.reshape(output, [-1, numHeads * headDim]);
    },
    logitRows: (hidden) => hidden,
    outputLogits: (logits) => {
      asSequences(logits, vocabSize, names.logits);
      graph.output(names.logits, 'float32', ['batch_size', 'sequence_length', vocabSize]);
    },
  };
}
