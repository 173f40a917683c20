import {
  type Architecture,
  type DecoderShape,
  decoderWeightShapes,
  type ExpertsShape,
  type HfDecoderConfig,
  resolveDecoderShape,
} from '@pio/demo';
import { TestKitError } from '../errors/test-kit-error.js';
import { latentAttention } from './latent-attention.js';
import { linear } from './linear.js';
import { ReferenceKvCache, referenceCacheRowSize } from './reference-kv-cache.js';
import { rmsNormRows } from './rms-norm.js';
import { applyRotaryEmbedding, ropeAttentionFactor, ropeInverseFrequencies } from './rope.js';

/** Weights by their Hugging Face name, as float32 (what `writeRandomCheckpoint` returns). */
export type ReferenceWeights = ReadonlyMap<string, Float32Array>;

/** Options of {@link referenceForward}. */
export interface ReferenceForwardOptions {
  /**
   * Compute logits for the last new position only (one LM-head pass instead
   * of one per token: much faster with a large vocabulary). Default false.
   */
  lastLogitsOnly?: boolean;
}

/**
 * A plain forward pass of a Llama, Qwen2, Qwen3, Qwen3-MoE or GLM-4.7-Flash decoder, written from
 * transformers' `modeling_llama.py`, `modeling_qwen2.py`, `modeling_qwen3.py`, `modeling_qwen3_moe.py` and
 * `modeling_glm4_moe_lite.py` (latent attention: see `latentAttention`): embedding; per
 * layer RMSNorm, q/k/v projections plus the biases the config implies (Qwen2: on q/k/v,
 * not o_proj; Qwen3: per-head RMSNorm of q and k), RoPE
 * (rotate-half), grouped-query causal attention, o_proj, residual, RMSNorm,
 * `down(silu(gate(x)) * up(x))`, residual; final RMSNorm; LM head (the
 * embedding when tied). Activations are float32, every sum float64: slow but
 * trustworthy, meant as the yardstick for real engines.
 *
 * @param architecture - `llama`, `qwen2`, `qwen3`, `qwen3_moe` or `glm4_moe_lite`.
 * @param config - The model's Hugging Face `config.json`.
 * @param weights - Every tensor of the checkpoint by name, as float32.
 * @param inputIds - The new tokens, at positions `cache.length`, `cache.length + 1`, ...
 * @param cache - Keys and values of earlier tokens; the new tokens' rows are
 *   appended. Without one, the tokens start at position 0 and nothing is kept.
 * @param options - Which positions get logits.
 * @returns Logits, `[inputIds.length, vocab_size]` row-major (`[1, vocab_size]`
 *   with `lastLogitsOnly`).
 * @throws ConfigError when the config is invalid or unsupported.
 * @throws TestKitError when `inputIds` is empty or holds an id outside the
 *   vocabulary, a weight is missing or has the wrong size, or `cache` belongs
 *   to a model of another shape. Nothing is appended to the cache then.
 */
export function referenceForward(
  architecture: Architecture,
  config: HfDecoderConfig,
  weights: ReferenceWeights,
  inputIds: ArrayLike<number>,
  cache?: ReferenceKvCache,
  options: ReferenceForwardOptions = {},
): Float32Array {
  const shape = resolveDecoderShape(architecture, config);
  const weight = weightReader(shape, weights);
  const kvCache = cache ?? new ReferenceKvCache(shape);
  checkInputs(shape, inputIds, kvCache);

  const { hiddenSize, numAttentionHeads, numKeyValueHeads, headDim, rmsNormEps, intermediateSize } = shape;
  const count = inputIds.length;
  const start = kvCache.length;
  const embedding = weight('model.embed_tokens.weight')!;
  const hidden = new Float32Array(count * hiddenSize);
  for (let t = 0; t < count; t++) {
    const id = inputIds[t]!;
    hidden.set(embedding.subarray(id * hiddenSize, (id + 1) * hiddenSize), t * hiddenSize);
  }

  kvCache.extend(count);
  const inverseFrequencies = ropeInverseFrequencies(shape);
  const ropeScale = ropeAttentionFactor(shape.ropeScaling);
  for (let layer = 0; layer < shape.numLayers; layer++) {
    const prefix = `model.layers.${layer}`;
    const normed = hidden.slice();
    rmsNormRows(normed, 0, count, weight(`${prefix}.input_layernorm.weight`)!, rmsNormEps);
    const attention = `${prefix}.self_attn`;
    if (shape.latentAttention) {
      const output = latentAttention(shape, shape.latentAttention, normed, count, kvCache, layer, attention, weight);
      for (let i = 0; i < hidden.length; i++) hidden[i] = hidden[i]! + output[i]!;
      addFeedForward(shape, hidden, count, layer, prefix, weight);
      continue;
    }
    const projection = (name: string, width: number): Float32Array =>
      linear(normed, count, weight(`${attention}.${name}.weight`)!, weight(`${attention}.${name}.bias`), width);
    const queries = projection('q_proj', numAttentionHeads * headDim);
    const keys = projection('k_proj', numKeyValueHeads * headDim);
    const values = projection('v_proj', numKeyValueHeads * headDim);
    if (shape.queryKeyNorm) {
      rmsNormRows(queries, 0, count * numAttentionHeads, weight(`${attention}.q_norm.weight`)!, rmsNormEps);
      rmsNormRows(keys, 0, count * numKeyValueHeads, weight(`${attention}.k_norm.weight`)!, rmsNormEps);
    }
    for (let t = 0; t < count; t++) {
      for (let head = 0; head < numAttentionHeads; head++) {
        applyRotaryEmbedding(
          queries,
          (t * numAttentionHeads + head) * headDim,
          inverseFrequencies,
          start + t,
          ropeScale,
        );
      }
      for (let head = 0; head < numKeyValueHeads; head++) {
        applyRotaryEmbedding(keys, (t * numKeyValueHeads + head) * headDim, inverseFrequencies, start + t, ropeScale);
      }
    }
    kvCache.keys(layer).set(keys, start * kvCache.rowSize);
    kvCache.values(layer).set(values, start * kvCache.rowSize);

    const attended = causalAttention(shape, queries, count, start, kvCache.keys(layer), kvCache.values(layer));
    const output = linear(
      attended,
      count,
      weight(`${attention}.o_proj.weight`)!,
      weight(`${attention}.o_proj.bias`),
      hiddenSize,
    );
    for (let i = 0; i < hidden.length; i++) hidden[i] = hidden[i]! + output[i]!;
    addFeedForward(shape, hidden, count, layer, prefix, weight);
  }

  const firstRow = options.lastLogitsOnly ? count - 1 : 0;
  const final = hidden.slice(firstRow * hiddenSize);
  const rows = count - firstRow;
  rmsNormRows(final, 0, rows, weight('model.norm.weight')!, rmsNormEps);
  const head = shape.tieWordEmbeddings ? embedding : weight('lm_head.weight')!;
  return linear(final, rows, head, undefined, shape.vocabSize);
}

/** `hidden += feedForward(RMSNorm(hidden))`: the layer's dense MLP or its mixture of experts. */
function addFeedForward(
  shape: DecoderShape,
  hidden: Float32Array,
  count: number,
  layer: number,
  prefix: string,
  weight: (name: string) => Float32Array | undefined,
): void {
  const { hiddenSize, intermediateSize, rmsNormEps } = shape;
  const mlpInput = hidden.slice();
  rmsNormRows(mlpInput, 0, count, weight(`${prefix}.post_attention_layernorm.weight`)!, rmsNormEps);
  const experts = shape.experts?.sparseLayers[layer] ? shape.experts : undefined;
  const down = experts
    ? mixtureOfExperts(mlpInput, count, hiddenSize, `${prefix}.mlp`, experts, weight)
    : gatedMlp(mlpInput, count, hiddenSize, intermediateSize, `${prefix}.mlp`, weight);
  for (let i = 0; i < hidden.length; i++) hidden[i] = hidden[i]! + down[i]!;
}

/** `down(silu(gate x) · up x)` over `count` rows, the projections at `<mlp>.{gate,up,down}_proj`. */
function gatedMlp(
  x: Float32Array,
  count: number,
  hiddenSize: number,
  width: number,
  mlp: string,
  weight: (name: string) => Float32Array | undefined,
): Float32Array {
  const gate = linear(x, count, weight(`${mlp}.gate_proj.weight`)!, weight(`${mlp}.gate_proj.bias`), width);
  const up = linear(x, count, weight(`${mlp}.up_proj.weight`)!, weight(`${mlp}.up_proj.bias`), width);
  for (let i = 0; i < gate.length; i++) {
    const g = gate[i]!;
    gate[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
  return linear(gate, count, weight(`${mlp}.down_proj.weight`)!, weight(`${mlp}.down_proj.bias`), hiddenSize);
}

/**
 * Which experts group-limited routing lets a token choose (DeepSeek-V3's
 * `noaux_tc`): each group is scored by the sum of its two largest choices,
 * the `topkGroup` best groups (ties to the lower group) stay open, and the
 * others' choices are set to 0 (transformers' `masked_fill(..., 0.0)`, not
 * −∞). Without grouping every expert is allowed.
 */
function allowedExperts(choices: readonly number[], grouping: ExpertsShape['grouping']): boolean[] {
  if (!grouping || grouping.groups === 1) return choices.map(() => true);
  const size = choices.length / grouping.groups;
  const groupScores = Array.from({ length: grouping.groups }, (_, group) => {
    const [first, second] = choices.slice(group * size, (group + 1) * size).sort((a, b) => b - a);
    return { group, score: first! + second! };
  });
  const open = new Set(
    groupScores
      .sort((a, b) => b.score - a.score || a.group - b.group)
      .slice(0, grouping.topkGroup)
      .map(({ group }) => group),
  );
  return choices.map((_, expert) => open.has(Math.floor(expert / size)));
}

/**
 * Qwen3-MoE's sparse block, from `Qwen3MoeSparseMoeBlock`: router logits
 * `<mlp>.gate`, softmax over all experts (float64 here), the `topK` largest
 * (ties to the lower index, as `torch.topk` keeps them), divided by their
 * sum when `normalizeTopK`, and `Σ wⱼ · expertⱼ(x)` over the chosen experts
 * `<mlp>.experts.<j>`, token by token. With the `sigmoid` router
 * (GLM-4.7-Flash's `Glm4MoeLiteTopkRouter`): s = sigmoid(logits), the `topK`
 * largest of s + `<mlp>.gate.e_score_correction_bias` (among the open groups
 * when the experts are grouped: {@link allowedExperts}), weights s at those
 * experts divided by their sum (+1e-20) when `normalizeTopK`, times
 * `routedScalingFactor`; then the shared expert `<mlp>.shared_experts` is
 * added without a gate.
 */
function mixtureOfExperts(
  x: Float32Array,
  count: number,
  hiddenSize: number,
  mlp: string,
  experts: ExpertsShape,
  weight: (name: string) => Float32Array | undefined,
): Float32Array {
  const { numExperts, topK, expertWidth, normalizeTopK } = experts;
  const logits = linear(x, count, weight(`${mlp}.gate.weight`)!, undefined, numExperts);
  const out = new Float32Array(count * hiddenSize);
  if (experts.router === 'sigmoid') {
    const bias = weight(`${mlp}.gate.e_score_correction_bias`)!;
    for (let t = 0; t < count; t++) {
      const scores = Array.from(logits.subarray(t * numExperts, (t + 1) * numExperts), (l) => 1 / (1 + Math.exp(-l)));
      const choices = scores.map((score, expert) => score + bias[expert]!);
      const allowed = allowedExperts(choices, experts.grouping);
      const chosen = scores
        .map((score, expert) => ({ score, choice: allowed[expert] ? choices[expert]! : 0, expert }))
        .sort((a, b) => b.choice - a.choice || a.expert - b.expert)
        .slice(0, topK);
      const sum = chosen.reduce((total, { score }) => total + score, 0) + 1e-20;
      const token = x.subarray(t * hiddenSize, (t + 1) * hiddenSize);
      for (const { score, expert } of chosen) {
        const routed = (normalizeTopK ? score / sum : score) * (experts.routedScalingFactor ?? 1);
        const y = gatedMlp(token, 1, hiddenSize, expertWidth, `${mlp}.experts.${expert}`, weight);
        for (let i = 0; i < hiddenSize; i++) out[t * hiddenSize + i] = out[t * hiddenSize + i]! + routed * y[i]!;
      }
    }
    if (experts.sharedExpertWidth) {
      const shared = gatedMlp(x, count, hiddenSize, experts.sharedExpertWidth, `${mlp}.shared_experts`, weight);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + shared[i]!;
    }
    return out;
  }
  for (let t = 0; t < count; t++) {
    const row = Array.from(logits.subarray(t * numExperts, (t + 1) * numExperts));
    const max = Math.max(...row);
    const exps = row.map((value) => Math.exp(value - max));
    const total = exps.reduce((sum, value) => sum + value, 0);
    const chosen = exps
      .map((value, expert) => ({ probability: value / total, expert }))
      .sort((a, b) => b.probability - a.probability || a.expert - b.expert)
      .slice(0, topK);
    const chosenSum = chosen.reduce((sum, { probability }) => sum + probability, 0);
    const token = x.subarray(t * hiddenSize, (t + 1) * hiddenSize);
    for (const { probability, expert } of chosen) {
      const routed = normalizeTopK ? probability / chosenSum : probability;
      const y = gatedMlp(token, 1, hiddenSize, expertWidth, `${mlp}.experts.${expert}`, weight);
      for (let i = 0; i < hiddenSize; i++) out[t * hiddenSize + i] = out[t * hiddenSize + i]! + routed * y[i]!;
    }
  }
  return out;
}

/**
 * Causal softmax attention of `count` new queries (at positions `start`...)
 * over all cached keys up to each query's own position. Query head `h` reads
 * key/value head `floor(h / groupSize)`, as `repeat_kv` arranges it.
 */
function causalAttention(
  shape: DecoderShape,
  queries: Float32Array,
  count: number,
  start: number,
  keys: Float32Array,
  values: Float32Array,
): Float32Array {
  const { numAttentionHeads, numKeyValueHeads, headDim } = shape;
  const groupSize = numAttentionHeads / numKeyValueHeads;
  const rowSize = numKeyValueHeads * headDim;
  const scale = 1 / Math.sqrt(headDim);
  const output = new Float32Array(count * numAttentionHeads * headDim);
  const scores = new Float64Array(start + count);
  const accumulator = new Float64Array(headDim);
  for (let t = 0; t < count; t++) {
    const visible = start + t + 1;
    for (let head = 0; head < numAttentionHeads; head++) {
      const queryStart = (t * numAttentionHeads + head) * headDim;
      const kvOffset = Math.floor(head / groupSize) * headDim;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < visible; j++) {
        const keyStart = j * rowSize + kvOffset;
        let dot = 0;
        for (let i = 0; i < headDim; i++) dot += queries[queryStart + i]! * keys[keyStart + i]!;
        const score = dot * scale;
        scores[j] = score;
        if (score > max) max = score;
      }
      let sum = 0;
      for (let j = 0; j < visible; j++) {
        const weight = Math.exp(scores[j]! - max);
        scores[j] = weight;
        sum += weight;
      }
      accumulator.fill(0);
      for (let j = 0; j < visible; j++) {
        const weight = scores[j]! / sum;
        const valueStart = j * rowSize + kvOffset;
        for (let i = 0; i < headDim; i++) accumulator[i] = accumulator[i]! + weight * values[valueStart + i]!;
      }
      output.set(accumulator, queryStart);
    }
  }
  return output;
}

/**
 * Checks every tensor the config implies (present, right size) before any
 * work starts, then looks tensors up; names the config does not imply (biases
 * of a bias-free model) read as `undefined`.
 */
function weightReader(shape: DecoderShape, weights: ReferenceWeights): (name: string) => Float32Array | undefined {
  const expected = decoderWeightShapes(shape);
  for (const [name, dims] of expected) {
    const tensor = weights.get(name);
    if (tensor === undefined) {
      throw new TestKitError({
        where: 'referenceForward',
        message: `the weights hold no tensor "${name}" (they hold ${weights.size} tensors).`,
        hint: 'Pass the weights writeRandomCheckpoint returned, or every tensor of the checkpoint read with openCheckpointWeights.',
      });
    }
    const size = dims.reduce((product, dim) => product * dim, 1);
    if (tensor.length !== size) {
      throw new TestKitError({
        where: 'referenceForward',
        message: `tensor "${name}" has ${tensor.length} values, but the config implies shape [${dims.join(', ')}] (${size} values).`,
        hint: 'Use the config.json that belongs to these weights.',
      });
    }
  }
  return (name) => (expected.has(name) ? weights.get(name) : undefined);
}

function checkInputs(shape: DecoderShape, inputIds: ArrayLike<number>, cache: ReferenceKvCache): void {
  if (inputIds.length === 0) {
    throw new TestKitError({
      where: 'referenceForward',
      message: 'inputIds is empty.',
      hint: 'Pass at least one token id.',
    });
  }
  for (let t = 0; t < inputIds.length; t++) {
    const id = inputIds[t]!;
    if (!Number.isInteger(id) || id < 0 || id >= shape.vocabSize) {
      throw new TestKitError({
        where: 'referenceForward',
        message: `inputIds[${t}] = ${id} is not a token id of this model (vocab_size ${shape.vocabSize}).`,
        hint: `Pass integers in [0, ${shape.vocabSize}).`,
      });
    }
  }
  if (cache.numLayers !== shape.numLayers || cache.rowSize !== referenceCacheRowSize(shape)) {
    throw new TestKitError({
      where: 'referenceForward',
      message: `the cache holds ${cache.numLayers} layers of ${cache.rowSize} values per token, but the model has ${shape.numLayers} layers of ${referenceCacheRowSize(shape)}.`,
      hint: 'Create the cache with createReferenceKvCache for the same config.',
    });
  }
}
