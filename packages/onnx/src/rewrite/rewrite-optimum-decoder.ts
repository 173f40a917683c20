import type { onnx as OnnxNamespace } from 'onnx-proto';
import type { DecoderIoNames } from '../layers/pio-decoder-io.js';
import { onnx } from '../serialize/onnx-proto.js';
import { OnnxImportError } from './onnx-import-error.js';

type ModelProto = OnnxNamespace.ModelProto;
type NodeProto = OnnxNamespace.INodeProto;
type TensorProto = OnnxNamespace.ITensorProto;
type AttributeProto = OnnxNamespace.IAttributeProto;

/** Sizes the rewrite needs, from the model's `config.json`. */
export interface OptimumDecoderShape {
  /** Decoder layers (`num_hidden_layers`). */
  numLayers: number;
  /** Key/value heads (`num_key_value_heads`). */
  numKeyValueHeads: number;
  /** Width of one head (`head_dim`). */
  headDim: number;
  /** Width of the residual stream (`hidden_size`). */
  hiddenSize: number;
  /** Vocabulary size (`vocab_size`). */
  vocabSize: number;
}

/** The engine I/O names a rewritten graph takes and returns (the one-sequence part of `DecoderIoNames`). */
export type OptimumRewriteIo = Pick<
  DecoderIoNames,
  'inputIds' | 'logitIndices' | 'logits' | 'pastKey' | 'pastValue' | 'newKey' | 'newValue'
>;

/** What {@link rewriteOptimumDecoder} did. */
export interface OptimumRewrite {
  /** The rewritten model (the input object, changed in place). */
  model: ModelProto;
  /** Element type of the original past/present tensors. */
  cacheType: 'float32' | 'float16';
  /** `hidden`: logit rows are picked before the LM head; `logits`: after it (fallback). */
  logitRows: 'hidden' | 'logits';
  /** Whether the graph had `attention_mask` / `position_ids` inputs (now computed inside). */
  computed: { attentionMask: boolean; positionIds: boolean };
  /** How the engine's padding row 0 is kept out of attention (see {@link OptimumRewriteOptions.pastPadding}). */
  pastPadding: 'mask' | 'slice';
}

/** Choices of {@link rewriteOptimumDecoder}. */
export interface OptimumRewriteOptions {
  /**
   * `mask`: the past (padding row included) is fed whole and `attention_mask`
   * is `[0, 1, …, 1]`, so the padding key is masked out — one copy of the cache
   * fewer per step. `slice`: the padding row is sliced off. Default: `mask`
   * when the graph takes both `attention_mask` and `position_ids` (positions
   * then do not depend on the mask) and has no fused attention op that reads
   * sequence lengths from the mask (GroupQueryAttention, ...), else `slice`.
   */
  pastPadding?: 'mask' | 'slice';
}

const FLOAT = 1;
const INT64 = 7;
const FLOAT16 = 10;
const ATTR_INT = 2;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;
const INT64_MAX = 9223372036854775807n;
const prefix = 'pio_rewrite/';
// Ops between the LM head and the `logits` output that change only the layout or the type.
const passThrough = new Set(['Reshape', 'Identity', 'Cast', 'Squeeze', 'Unsqueeze', 'Flatten']);
const headOps = new Set(['MatMul', 'Gemm', 'MatMulNBits', 'FusedMatMul']);
// Fused attention ops that derive sequence lengths from the mask: a masked padding row would shift them.
const fusedAttentionOps = new Set([
  'GroupQueryAttention',
  'MultiHeadAttention',
  'Attention',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'SparseAttention',
]);

// The Optimum export's own names; the engine's come in as `io`.
const optimum = {
  inputIds: 'input_ids',
  logits: 'logits',
  pastKey: (layer: number) => `past_key_values.${layer}.key`,
  pastValue: (layer: number) => `past_key_values.${layer}.value`,
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
};

/**
 * Rewrites a Hugging Face Optimum decoder graph (the `onnx/model*.onnx` of a
 * transformers.js folder: `input_ids`, `attention_mask`, `position_ids`,
 * `past_key_values.{i}.key|value` `[B, kvHeads, T, headDim]` in; `logits`,
 * `present.{i}.key|value` out) into a graph with the engine's decoder I/O
 * (`io`; with `decoderIo` of `@pio/engine` the names below):
 *
 * - `input_ids` `[S]`, `logit_indices` `[L]` and per layer `past_key.{i}` /
 *   `past_value.{i}` `[1 + T, kvHeads*headDim]` float32 (token-major; row 0 is
 *   padding, masked out or sliced off: see {@link OptimumRewriteOptions.pastPadding})
 *   feed what the old inputs fed, through Reshape → Transpose (→ Cast for fp16 graphs);
 * - `attention_mask` (`[0,] 1 … 1`) and `position_ids` (`T..T+S-1`) are
 *   computed inside the graph from the input shapes;
 * - `logits` `[L, vocab]` float32: the hidden rows at `logit_indices` are
 *   gathered before the LM head (the MatMul/Gemm found behind `logits`), so a
 *   long prompt computes one row of logits, not one per token; when no such
 *   head is found, the rows are gathered from the old logits;
 * - `new_key.{i}` / `new_value.{i}` `[S, kvHeads*headDim]` float32: the new
 *   tokens' K/V (the second input of the Concat that makes the present, or the
 *   last S positions of the present), token-major.
 *
 * The presents are no longer graph outputs, so onnxruntime does not copy the
 * whole cache out on every step.
 *
 * @param model the decoded model; changed in place
 * @param shape sizes from config.json
 * @param io the engine's graph I/O names (`decoderIo` of `@pio/engine`), defined there once
 * @param file the model's path, named in errors
 * @param options how the padding row is hidden
 * @throws OnnxImportError when the graph's I/O is not that of a decoder-only model with a KV cache of `shape`.
 */
export function rewriteOptimumDecoder(
  model: ModelProto,
  shape: OptimumDecoderShape,
  io: OptimumRewriteIo,
  file: string,
  options: OptimumRewriteOptions = {},
): OptimumRewrite {
  const graph = model.graph;
  if (!graph) throw new OnnxImportError({ file, reason: 'the file holds no graph' });
  const fail = (reason: string, hint?: string): never => {
    throw new OnnxImportError({ file, reason, ...(hint ? { hint } : {}) });
  };
  const opset = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (opset && toNumber(opset.version) < 11) {
    fail(
      `its default-domain opset is ${toNumber(opset.version)}; at least 11 is needed`,
      'Export it again with opset 14 or later.',
    );
  }

  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const inputs = (graph.input ?? []).filter((input) => !initializerNames.has(input.name ?? ''));
  const inputByName = new Map(inputs.map((input) => [input.name ?? '', input]));
  const outputNames = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const { numLayers, numKeyValueHeads: kvHeads, headDim, hiddenSize, vocabSize } = shape;
  const rowSize = kvHeads * headDim;

  if (inputByName.has('encoder_hidden_states') || inputByName.has('encoder_attention_mask')) {
    fail(
      'it is the decoder of an encoder-decoder model (it reads encoder_hidden_states); only decoder-only models run here',
      'Use a decoder-only text-generation model (LlamaForCausalLM, Qwen2ForCausalLM, ...).',
    );
  }
  if (!inputByName.has(optimum.inputIds)) {
    fail(
      `it has no input_ids input (inputs: ${[...inputByName.keys()].join(', ')})`,
      'Export the model for text generation.',
    );
  }
  if (!inputByName.has(optimum.pastKey(0))) {
    fail(
      `it has no ${optimum.pastKey(0)} input: the graph has no KV cache`,
      'Export it with the past key/values (Optimum task "text-generation-with-past"; transformers.js folders have them).',
    );
  }
  if (!outputNames.has(optimum.logits)) fail('it has no logits output');
  let layers = 0;
  while (inputByName.has(optimum.pastKey(layers))) layers++;
  if (layers !== numLayers) {
    fail(
      `it has past_key_values for ${layers} layers, but config.json says num_hidden_layers = ${numLayers}`,
      'Use the config.json that was exported with the graph.',
    );
  }
  const known = new Set([optimum.inputIds, 'attention_mask', 'position_ids']);
  for (let layer = 0; layer < numLayers; layer++) {
    for (const name of [optimum.pastKey(layer), optimum.pastValue(layer)]) {
      if (!inputByName.has(name)) fail(`it has no ${name} input`);
      known.add(name);
    }
    for (const name of [optimum.presentKey(layer), optimum.presentValue(layer)]) {
      if (!outputNames.has(name)) fail(`it has no ${name} output`);
    }
  }
  const unknown = [...inputByName.keys()].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    fail(
      `it has inputs the engine cannot feed: ${unknown.join(', ')}`,
      'Only input_ids, attention_mask, position_ids and past_key_values.{i}.key|value are supported.',
    );
  }

  const pastInfo = inputByName.get(optimum.pastKey(0))!;
  const elemType = pastInfo.type?.tensorType?.elemType ?? FLOAT;
  if (elemType !== FLOAT && elemType !== FLOAT16) {
    fail(`${optimum.pastKey(0)} has element type ${elemType}; float32 or float16 are supported`);
  }
  const cacheType = elemType === FLOAT16 ? 'float16' : 'float32';
  const dims = pastInfo.type?.tensorType?.shape?.dim ?? [];
  const fixed = (index: number) => {
    const dim = dims[index];
    return dim && dim.dimValue !== undefined && dim.dimValue !== null && toNumber(dim.dimValue) > 0
      ? toNumber(dim.dimValue)
      : undefined;
  };
  if (dims.length !== 0 && dims.length !== 4)
    fail(`${optimum.pastKey(0)} has ${dims.length} dimensions; 4 are expected`);
  if ((fixed(1) !== undefined && fixed(1) !== kvHeads) || (fixed(3) !== undefined && fixed(3) !== headDim)) {
    fail(
      `${optimum.pastKey(0)} is [batch, ${fixed(1)}, past, ${fixed(3)}], but config.json gives ${kvHeads} key/value heads of ${headDim}`,
      'Use the config.json that was exported with the graph.',
    );
  }

  const nodes = graph.node ?? [];
  const producer = new Map<string, NodeProto>();
  for (const node of nodes) for (const output of node.output ?? []) producer.set(output, node);

  const added: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let counter = 0;
  const fresh = (hint: string) => `${prefix}${hint}_${counter++}`;
  const op = (opType: string, input: string[], attribute: AttributeProto[] = [], output = fresh(opType)) => {
    added.push(onnx.NodeProto.create({ name: fresh(`${opType}_node`), opType, input, output: [output], attribute }));
    return output;
  };
  const int64s = (values: readonly (number | bigint)[], scalar = false) => {
    const name = fresh('const');
    initializers.push(int64Tensor(name, values, scalar));
    return name;
  };
  const ints = (name: string, values: number[]): AttributeProto => ({ name, type: ATTR_INTS, ints: values });
  const int = (name: string, value: number): AttributeProto => ({ name, type: ATTR_INT, i: value });

  // Renames: the old inputs' names become internal values the new nodes produce.
  const renames = new Map<string, string>([
    [optimum.inputIds, `${prefix}input_ids_2d`],
    [optimum.logits, `${prefix}optimum_logits`],
  ]);
  for (const node of nodes) {
    node.input = (node.input ?? []).map((name) => renames.get(name) ?? name);
    node.output = (node.output ?? []).map((name) => renames.get(name) ?? name);
  }
  for (const [from, to] of renames) {
    const node = producer.get(from);
    if (node) producer.set(to, node);
    producer.delete(from);
  }

  // Shapes: T = rows of the first layer's past - 1, S = the number of new tokens.
  op('Reshape', [io.inputIds, int64s([1, -1])], [], `${prefix}input_ids_2d`);
  const past = op('Slice', [op('Shape', [io.pastKey(0)]), int64s([0]), int64s([1])]);
  const pastLength = op('Sub', [past, int64s([1])]);
  const newLength = op('Slice', [op('Shape', [io.inputIds]), int64s([0]), int64s([1])]);
  const totalLength = op('Add', [pastLength, newLength]);
  const computed = { attentionMask: inputByName.has('attention_mask'), positionIds: inputByName.has('position_ids') };
  const zeroColumn = fresh('zero_column');
  initializers.push({ ...int64Tensor(zeroColumn, [0], false), dims: [1, 1] });
  const fusedAttention = nodes.some((node) => fusedAttentionOps.has(node.opType ?? ''));
  const pastPadding =
    options.pastPadding ?? (computed.attentionMask && computed.positionIds && !fusedAttention ? 'mask' : 'slice');
  if (pastPadding === 'mask' && !(computed.attentionMask && computed.positionIds)) {
    fail("pastPadding 'mask' needs attention_mask and position_ids inputs");
  }
  if (computed.attentionMask) {
    const one = int64Tensor('value', [1], false);
    const ones = op(
      'ConstantOfShape',
      [op('Concat', [int64s([1]), totalLength], [int('axis', 0)])],
      [{ name: 'value', type: ATTR_TENSOR, t: one }],
      pastPadding === 'mask' ? fresh('ones') : 'attention_mask',
    );
    // The engine's padding row stays in the past: the mask hides it.
    if (pastPadding === 'mask') op('Concat', [zeroColumn, ones], [int('axis', 1)], 'attention_mask');
  }
  if (computed.positionIds) {
    const scalar = int64s([]);
    const positions = op('Range', [
      op('Reshape', [pastLength, scalar]),
      op('Reshape', [totalLength, scalar]),
      int64s([1], true),
    ]);
    op('Reshape', [positions, int64s([1, -1])], [], 'position_ids');
  }

  // The past: token-major rows 1.. of the engine's cache view, as [1, kvHeads, T, headDim].
  // Reshape's 0 copies the input's dim (T, which may be 0: -1 cannot be inferred from an empty tensor).
  const headsShape = int64s([0, kvHeads, headDim]);
  const opsetVersion = opset ? toNumber(opset.version) : 13;
  const unsqueezeFirst = (input: string, output: string) =>
    opsetVersion >= 13
      ? op('Unsqueeze', [input, int64s([0])], [], output)
      : op('Unsqueeze', [input], [ints('axes', [0])], output);
  const feedPast = (input: string, target: string) => {
    const rows = pastPadding === 'mask' ? input : op('Slice', [input, int64s([1]), int64s([INT64_MAX]), int64s([0])]);
    const heads = op('Transpose', [op('Reshape', [rows, headsShape])], [ints('perm', [1, 0, 2])]);
    const bnsh = unsqueezeFirst(heads, cacheType === 'float16' ? fresh('bnsh') : target);
    if (cacheType === 'float16') op('Cast', [bnsh], [int('to', FLOAT16)], target);
  };
  // The new K/V: the Concat's new part when the present is Concat(past, new) on the sequence axis, else its last S positions.
  const takeNew = (present: string, pastName: string, output: string) => {
    const concat = producer.get(present);
    let bnsh: string;
    const axis = concat?.attribute?.find((a) => a.name === 'axis');
    if (
      concat?.opType === 'Concat' &&
      concat.input?.length === 2 &&
      concat.input[0] === pastName &&
      axis &&
      (toNumber(axis.i) === 2 || toNumber(axis.i) === -2)
    ) {
      bnsh = concat.input[1]!;
    } else {
      bnsh = op('Slice', [present, pastPadding === 'mask' ? past : pastLength, int64s([INT64_MAX]), int64s([2])]);
    }
    const rows = op('Reshape', [op('Transpose', [bnsh], [ints('perm', [0, 2, 1, 3])]), int64s([-1, rowSize])]);
    op('Cast', [rows], [int('to', FLOAT)], output);
  };
  for (let layer = 0; layer < numLayers; layer++) {
    feedPast(io.pastKey(layer), optimum.pastKey(layer));
    feedPast(io.pastValue(layer), optimum.pastValue(layer));
    takeNew(optimum.presentKey(layer), optimum.pastKey(layer), io.newKey(layer));
    takeNew(optimum.presentValue(layer), optimum.pastValue(layer), io.newValue(layer));
  }

  // Logits: gather the hidden rows before the LM head when it can be found.
  let logitRows: OptimumRewrite['logitRows'] = 'logits';
  let head = producer.get(`${prefix}optimum_logits`);
  while (head && passThrough.has(head.opType ?? '')) head = producer.get(head.input?.[0] ?? '');
  if (
    head &&
    headOps.has(head.opType ?? '') &&
    head.input?.[0] &&
    isConstant(head.input[1], initializerNames, producer)
  ) {
    const hidden = op('Reshape', [head.input[0], int64s([-1, hiddenSize])]);
    head.input[0] = op('Gather', [hidden, io.logitIndices], [int('axis', 0)]);
    const rows = op('Reshape', [head.output![0]!, int64s([-1, vocabSize])]);
    op('Cast', [rows], [int('to', FLOAT)], io.logits);
    logitRows = 'hidden';
  } else {
    const all = op('Reshape', [`${prefix}optimum_logits`, int64s([-1, vocabSize])]);
    op('Cast', [op('Gather', [all, io.logitIndices], [int('axis', 0)])], [int('to', FLOAT)], io.logits);
  }

  const tensorInput = (name: string, type: number, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: type,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
  const newInputs = [
    tensorInput(io.inputIds, INT64, ['sequence_length']),
    tensorInput(io.logitIndices, INT64, ['num_logits']),
  ];
  const newOutputs = [tensorInput(io.logits, FLOAT, ['num_logits', vocabSize])];
  for (let layer = 0; layer < numLayers; layer++) {
    newInputs.push(tensorInput(io.pastKey(layer), FLOAT, ['past_rows', rowSize]));
    newInputs.push(tensorInput(io.pastValue(layer), FLOAT, ['past_rows', rowSize]));
    newOutputs.push(tensorInput(io.newKey(layer), FLOAT, ['sequence_length', rowSize]));
    newOutputs.push(tensorInput(io.newValue(layer), FLOAT, ['sequence_length', rowSize]));
  }
  // Initializers listed as inputs (old IR versions) stay; every real input is replaced.
  graph.input = [...newInputs, ...(graph.input ?? []).filter((input) => initializerNames.has(input.name ?? ''))];
  graph.output = newOutputs;
  graph.valueInfo = [];
  graph.initializer = [...(graph.initializer ?? []), ...initializers.map((t) => onnx.TensorProto.create(t))];
  graph.node = pruneDeadNodes(
    [...added, ...nodes].map((n) => onnx.NodeProto.create(n)),
    new Set(newOutputs.map((o) => o.name)),
  );
  const used = new Set<string>();
  for (const node of graph.node) for (const input of node.input ?? []) used.add(input);
  for (const node of graph.node) collectSubgraphInputs(node, used);
  graph.initializer = graph.initializer.filter((t) => used.has(t.name ?? ''));
  return { model, cacheType, logitRows, computed, pastPadding };
}

function isConstant(
  name: string | undefined,
  initializers: ReadonlySet<string>,
  producer: ReadonlyMap<string, NodeProto>,
): boolean {
  // The head's weight: an initializer, or one reached through Transpose/Cast/Reshape/DequantizeLinear of constants (tied heads).
  for (let depth = 0; name !== undefined && depth < 4; depth++) {
    if (initializers.has(name)) return true;
    const node = producer.get(name);
    if (!node) return false;
    if (node.opType === 'Constant') return true;
    if (!['Transpose', 'Cast', 'Reshape', 'DequantizeLinear', 'Identity'].includes(node.opType ?? '')) return false;
    name = node.input?.[0];
  }
  return false;
}

/** Keeps the nodes whose outputs reach `outputs` (nodes holding subgraphs are always kept), in topological order. */
function pruneDeadNodes(unordered: OnnxNamespace.NodeProto[], outputs: ReadonlySet<string>): OnnxNamespace.NodeProto[] {
  const nodes = topologicalOrder(unordered);
  const needed = new Set(outputs);
  const keep: boolean[] = new Array(nodes.length).fill(false);
  for (let index = nodes.length - 1; index >= 0; index--) {
    const node = nodes[index]!;
    const hasSubgraph = (node.attribute ?? []).some((a) => a.g || (a.graphs && a.graphs.length > 0));
    if (hasSubgraph || node.output.some((o) => needed.has(o))) {
      keep[index] = true;
      for (const input of node.input) needed.add(input);
      collectSubgraphInputs(node, needed);
    }
  }
  return nodes.filter((_, index) => keep[index]);
}

function collectSubgraphInputs(node: OnnxNamespace.INodeProto, into: Set<string>): void {
  for (const attribute of node.attribute ?? []) {
    for (const sub of [attribute.g, ...(attribute.graphs ?? [])]) {
      for (const inner of sub?.node ?? []) {
        for (const input of inner.input ?? []) into.add(input);
        collectSubgraphInputs(inner, into);
      }
    }
  }
}

/** Orders nodes so each comes after the producers of its inputs (ONNX requires it). */
function topologicalOrder(nodes: OnnxNamespace.NodeProto[]): OnnxNamespace.NodeProto[] {
  const producerIndex = new Map<string, number>();
  nodes.forEach((node, index) => {
    for (const output of node.output) producerIndex.set(output, index);
  });
  const state = new Uint8Array(nodes.length);
  const order: OnnxNamespace.NodeProto[] = [];
  for (let start = 0; start < nodes.length; start++) {
    if (state[start]) continue;
    // Iterative depth-first search: graphs have thousands of nodes.
    const stack: [number, number][] = [[start, 0]];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const node = nodes[top[0]]!;
      if (top[1] < node.input.length) {
        const dependency = producerIndex.get(node.input[top[1]++]!);
        if (dependency !== undefined && state[dependency] === 0) {
          state[dependency] = 1;
          stack.push([dependency, 0]);
        }
      } else {
        state[top[0]] = 2;
        order.push(node);
        stack.pop();
      }
    }
  }
  return order;
}

function int64Tensor(name: string, values: readonly (number | bigint)[], scalar: boolean): TensorProto {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return {
    name,
    dataType: INT64,
    dims: scalar ? [] : [values.length],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** A protobuf int64 (number or Long) as a number. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof (value as { toNumber?: () => number }).toNumber === 'function') {
    return (value as { toNumber: () => number }).toNumber();
  }
  return Number(value ?? 0);
}
