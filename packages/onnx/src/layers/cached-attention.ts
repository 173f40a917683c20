import type { GraphBuilder } from '../graph/graph-builder.js';

/**
 * How {@link cachedAttention} lays out its products:
 *
 * - `'grouped'`: the query heads of a group stacked, one batched MatMul per
 *   K/V head over the cache reshaped and transposed to `[kv, D, T]` /
 *   `[kv, T, D]` (onnxruntime folds the transposes into `FusedMatMul`):
 *   scores `[kvHeads, S * group, 1 + T + S]`, the minimal FLOPs;
 * - `'block-diagonal'`: each query head zero-padded to the full K/V row (its
 *   values in its K/V head's columns, the rest zeros), so ONE MatMul over the
 *   cache as stored (`[1 + T, kvHeads * D]`, the cache as left operand)
 *   scores every head, and one MatMul with the values gives each head's
 *   context in its own column block, which a Gather picks. No reshape or
 *   transpose of the cache; `kvHeads` times the minimal FLOPs, which is cheap
 *   while few tokens are fed and K/V heads are few.
 *
 * Measured (`pnpm bench:decode-attention` in models/llama: SmolLM2-135M
 * shape, 3 K/V heads, 2 threads, both layouts alternating in one process,
 * median ms/step at context 64 / 512 / 1536, load average 1.2–1.9):
 * float32 grouped 17.0 / 18.2 / 22.0 (1536/64 = 1.30), block-diagonal
 * 17.7 / 18.5 / 21.3 (1.20); int4 grouped 6.6 / 8.7 / 12.7, block-diagonal
 * 6.5 / 8.4 / 12.2. Over four runs block-diagonal was 0.4–1.5 ms (2–6%)
 * faster at 1536 in float32 and 0.5–1.3 ms (4–10%) in int4, and the same
 * within noise at 64. The attention alone (`pnpm bench:attention` in
 * packages/onnx) at 1536: SmolLM2-135M 7.7–8.5 vs 7.9–9.9 ms grouped; for
 * Qwen3-0.6B's 8 K/V heads of 128 the two tie or grouped wins (25.1 vs 25.1,
 * 28.7 vs 27.3 ms), hence {@link defaultCachedAttentionLayout}. Either
 * layout spends 5–8 ms at 1536 over SmolLM2's 71 MB of fp32 cache per step
 * (a plain copy of that much takes ~4 ms here): a much flatter curve is more
 * likely to come from fewer cache bytes (an fp16 or int8 cache) than from
 * another layout.
 */
export type CachedAttentionLayout = 'grouped' | 'block-diagonal';

/**
 * The layout {@link cachedAttention} uses unless told: `'block-diagonal'` for
 * up to 4 K/V heads (its extra FLOPs grow with them; measured faster with 3),
 * `'grouped'` above (measured even or slower with 8).
 */
export function defaultCachedAttentionLayout(shape: CachedAttentionShape): CachedAttentionLayout {
  return shape.numKvHeads <= 4 ? 'block-diagonal' : 'grouped';
}

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
 * at context 1536). How the heads meet the cache is `layout` (see
 * {@link CachedAttentionLayout}); both give the same result.
 *
 * @param graph the graph
 * @param inputs the tensors above
 * @param shape head counts
 * @param layout the products' layout; default {@link defaultCachedAttentionLayout}
 * @returns the attention output `[S, numHeads * headDim]`
 */
export function cachedAttention(
  graph: GraphBuilder,
  inputs: CachedAttentionInputs,
  shape: CachedAttentionShape,
  layout: CachedAttentionLayout = defaultCachedAttentionLayout(shape),
): string {
  return layout === 'block-diagonal'
    ? blockDiagonalAttention(graph, inputs, shape)
    : groupedAttention(graph, inputs, shape);
}

/** Tensor names of {@link cachedAttention}'s inputs. */
export interface CachedAttentionInputs {
  /** `[S, numHeads * headDim]`, rotated and scaled. */
  query: string;
  /** `[S, numKvHeads * headDim]`, rotated. */
  key: string;
  /** `[S, numKvHeads * headDim]`. */
  value: string;
  /** `[1 + T, numKvHeads * headDim]`: padding row, then the cache. */
  pastKey: string;
  /** `[1 + T, numKvHeads * headDim]`. */
  pastValue: string;
}

/**
 * The additive mask of the cache's padding row, float32 `[1 + T]`: −∞ at row
 * 0 of `pastKey`, 0 elsewhere. Every layer's cache has the same length, so a
 * graph computes it once (from layer 0's past) for all of
 * {@link stepAttention}'s layers.
 *
 * @param graph the graph
 * @param pastKey a `[1 + T, R]` cache input
 */
export function cachePaddingBias(graph: GraphBuilder, pastKey: string): string {
  const { padding } = paddingRow(graph, pastKey);
  return graph.where(padding, graph.constFloat32(Number.NEGATIVE_INFINITY), graph.constFloat32(0));
}

/**
 * Attention of exactly ONE new token over the cache: the decode step of a
 * `'switch'` graph, whose `If` sends every longer feed to fused attention.
 * The general {@link cachedAttention} pays, per layer, for a causal mask among
 * the new tokens and its own padding mask; here the one new token sees itself
 * (its score needs no mask), the padding row is masked by `paddingBias`
 * ({@link cachePaddingBias}, computed once per graph), and the new token's
 * value enters by a broadcast `Mul` instead of a MatMul. Heads meet the cache
 * in the grouped layout (one batched MatMul per K/V head, onnxruntime folds
 * the cache's transposes into it).
 *
 * Measured (`pnpm --filter @pio/onnx bench:attention`: attention alone,
 * summed over a model's layers, 2 threads, AMD EPYC with AVX2, load 2.4–2.8;
 * min ms at context 128 / 512 / 1536): SmolLM2-135M shape 1.74 / 4.54 /
 * 11.32 against 2.35 / 5.84 / 13.59 for the block-diagonal layout (its
 * default) and 2.15 / 4.92 / 12.09 grouped; Llama-3.2-1B shape 1.58 / 4.64
 * / 12.79 against 1.96 / 4.74 / 13.86 grouped (its default); Qwen3-0.6B
 * 3.93 / 13.19 / 36.62 against 4.44 / 14.05 / 39.10. A whole SmolLM2 int4
 * decode step (median) went from 16.6 / 23.4 / 32.7 ms to 15.7 / 20.3 /
 * 24.5 ms; a Llama-3.2-1B int4 step (~70–100 ms, the 4-bit MatMuls) did
 * not change measurably.
 *
 * @param graph the graph
 * @param inputs as {@link cachedAttention}'s, S = 1, with `paddingBias`
 * @param shape head counts
 * @returns the attention output `[1, numHeads * headDim]`
 */
export function stepAttention(
  graph: GraphBuilder,
  inputs: CachedAttentionInputs & { paddingBias: string },
  shape: CachedAttentionShape,
): string {
  const { numHeads, numKvHeads, headDim } = shape;
  const group = numHeads / numKvHeads;
  // [1, H*D] -> [kv, g, D]: the query heads of each K/V head stacked.
  const query = graph.reshape(inputs.query, [numKvHeads, group, headDim]);
  const keysT = graph.transpose(graph.reshape(inputs.pastKey, [-1, numKvHeads, headDim]), [1, 2, 0]);
  const valuesT = graph.transpose(graph.reshape(inputs.pastValue, [-1, numKvHeads, headDim]), [1, 0, 2]);
  // [kv, g, 1 + T] and [kv, g, 1]
  const pastScores = graph.add(graph.matMul(query, keysT), inputs.paddingBias);
  const newScores = graph.matMul(query, graph.reshape(inputs.key, [numKvHeads, headDim, 1]));
  const probabilities = graph.softmax(graph.concat([pastScores, newScores], 2), -1);
  const pastRows = graph.shape(inputs.pastKey, { start: 0, end: 1 });
  const pastProbabilities = graph.slice(probabilities, { starts: [0], ends: pastRows, axes: [2] });
  const newProbability = graph.slice(probabilities, { starts: pastRows, ends: [2 ** 31 - 1], axes: [2] });
  const context = graph.add(
    graph.matMul(pastProbabilities, valuesT),
    graph.mul(newProbability, graph.reshape(inputs.value, [numKvHeads, 1, headDim])),
  );
  // [kv, g, D] is head-major already: head h = k * g + i.
  return graph.reshape(context, [1, numHeads * headDim]);
}

/** Bool `[1 + T]`: true at the padding row 0 of `pastKey`. */
function paddingRow(graph: GraphBuilder, pastKey: string): { pastRows: string; padding: string } {
  const pastRows = graph.shape(pastKey, { start: 0, end: 1 });
  const padding = graph.equal(graph.range(0, graph.squeeze(pastRows, [0]), 1), graph.constInt64(0));
  return { pastRows, padding };
}

/** Bool `[S * rowsPerToken, S]`: true where row r (new token floor(r / rowsPerToken)) may not see new token j. */
function futureTokens(graph: GraphBuilder, key: string, rowsPerToken: number): string {
  const newLength = graph.shape(key, { start: 0, end: 1 });
  const tokenIndex = graph.range(0, graph.squeeze(newLength, [0]), 1);
  const rowToken = graph.reshape(
    graph.expand(graph.unsqueeze(tokenIndex, [1]), graph.constInt64([1, rowsPerToken])),
    [-1, 1],
  );
  return graph.op('Greater', [tokenIndex, rowToken])[0]!;
}

function blockDiagonalAttention(
  graph: GraphBuilder,
  inputs: CachedAttentionInputs,
  shape: CachedAttentionShape,
): string {
  const { numHeads, numKvHeads, headDim } = shape;
  const group = numHeads / numKvHeads;
  const rowSize = numKvHeads * headDim;
  // Built from Range, not stored: saveDecoderTransformer treats initializers of 1 KiB and more as weights the
  // prefill graph must share, and a [H, kv, D] mask would be one. onnxruntime folds these nodes at load.
  const head = graph.range(0, numHeads, 1);
  const headKv = graph.div(head, graph.constInt64(group));
  // 1 where K/V head k serves query head h (k = floor(h / group)): [H, kv, 1].
  const ownHead = graph.cast(
    graph.equal(graph.unsqueeze(headKv, [1, 2]), graph.unsqueeze(graph.range(0, numKvHeads, 1), [1])),
    'float32',
  );
  // [S, H*D] -> [S, H, 1, D] · [H, kv, 1] -> [S, H, kv, D] -> [S*H, kv*D]: block-diagonal query rows.
  const query = graph.reshape(graph.mul(graph.reshape(inputs.query, [-1, numHeads, 1, headDim]), ownHead), [
    -1,
    rowSize,
  ]);
  const minusInfinity = graph.constFloat32(Number.NEGATIVE_INFINITY);
  const { pastRows, padding } = paddingRow(graph, inputs.pastKey);
  // [1+T, kv*D] x [kv*D, S*H], transposed back: the cache as the left operand, as stored, measured faster than
  // Gemm(query, pastKey, transB) (attention alone at context 1536: Qwen3-0.6B shape 26.5 -> 23 ms, SmolLM2 even).
  const pastScores = graph.where(
    padding,
    minusInfinity,
    graph.transpose(graph.matMul(inputs.pastKey, graph.transpose(query, [1, 0])), [1, 0]),
  );
  const newScores = graph.where(
    futureTokens(graph, inputs.key, numHeads),
    minusInfinity,
    graph.gemm(query, inputs.key, undefined, { transB: true }),
  );
  const probabilities = graph.softmax(graph.concat([pastScores, newScores], 1), -1);
  const pastProbabilities = graph.slice(probabilities, { starts: [0], ends: pastRows, axes: [1] });
  const newProbabilities = graph.slice(probabilities, { starts: pastRows, ends: [2 ** 31 - 1], axes: [1] });
  // [S*H, kv*D]: row (s, h) holds head h's context in block floor(h / group), mixtures of other heads elsewhere.
  const context = graph.add(
    graph.matMul(pastProbabilities, inputs.pastValue),
    graph.matMul(newProbabilities, inputs.value),
  );
  // [S, H*kv, D], gather block h*kv + floor(h / group) of each head -> [S, H, D] -> [S, H*D]
  const blocks = graph.add(graph.mul(head, graph.constInt64(numKvHeads)), headKv);
  return graph.reshape(graph.gather(graph.reshape(context, [-1, numHeads * numKvHeads, headDim]), blocks, 1), [
    -1,
    numHeads * headDim,
  ]);
}

function groupedAttention(graph: GraphBuilder, inputs: CachedAttentionInputs, shape: CachedAttentionShape): string {
  const { numHeads, numKvHeads, headDim } = shape;
  const group = numHeads / numKvHeads;
  // [S, H*D] -> [S, kv, g, D] -> [kv, S, g, D] -> [kv, S*g, D]
  const q = graph.reshape(graph.transpose(graph.reshape(inputs.query, [0, numKvHeads, group, headDim]), [1, 0, 2, 3]), [
    numKvHeads,
    -1,
    headDim,
  ]);
  // [T, kv*D] -> [kv, D, T] and [kv, T, D]; onnxruntime folds these transposes into its MatMul.
  const keysT = (keys: string) => graph.transpose(graph.reshape(keys, [-1, numKvHeads, headDim]), [1, 2, 0]);
  const valuesT = (values: string) => graph.transpose(graph.reshape(values, [-1, numKvHeads, headDim]), [1, 0, 2]);
  const minusInfinity = graph.constFloat32(Number.NEGATIVE_INFINITY);

  // Every cached token is visible to every new token; the padding row to none.
  const { pastRows, padding } = paddingRow(graph, inputs.pastKey);
  const pastScores = graph.where(padding, minusInfinity, graph.matMul(q, keysT(inputs.pastKey)));
  // Among the new tokens the mask is causal: row r of a group block is new token floor(r / g).
  const newScores = graph.where(
    futureTokens(graph, inputs.key, group),
    minusInfinity,
    graph.matMul(q, keysT(inputs.key)),
  );

  const probabilities = graph.softmax(graph.concat([pastScores, newScores], 2), -1);
  const pastProbabilities = graph.slice(probabilities, { starts: [0], ends: pastRows, axes: [2] });
  const newProbabilities = graph.slice(probabilities, { starts: pastRows, ends: [2 ** 31 - 1], axes: [2] });
  const context = graph.add(
    graph.matMul(pastProbabilities, valuesT(inputs.pastValue)),
    graph.matMul(newProbabilities, valuesT(inputs.value)),
  );
  // [kv, S*g, D] -> [kv, S, g, D] -> [S, kv, g, D] -> [S, H*D]
  return graph.reshape(graph.transpose(graph.reshape(context, [numKvHeads, -1, group, headDim]), [1, 0, 2, 3]), [
    -1,
    numHeads * headDim,
  ]);
}
