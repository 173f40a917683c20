import type { DecoderShape, LatentAttentionShape } from '@pio/demo';
import { linear } from './linear.js';
import type { ReferenceKvCache } from './reference-kv-cache.js';
import { rmsNormRows } from './rms-norm.js';
import { ropeAttentionFactor, ropeInverseFrequencies, yarnMagnitude } from './rope.js';

/** Epsilon of `q_a_layernorm` and `kv_a_layernorm`: transformers builds them with the RMSNorm default, not `rms_norm_eps`. */
const latentNormEps = 1e-6;

/**
 * GLM-4.7-Flash's multi-head latent attention (`Glm4MoeLiteAttention`), the
 * plain way transformers runs it, not the absorbed form an engine uses: the
 * query `q_b(RMSNorm(q_a x))` (or `q_proj x`) split per head into non-rotary
 * and rotary dims; `kv_a_proj_with_mqa x` split into the latent (RMSNorm'd)
 * and one rotary key shared by all heads; the cache holds `[latent | rotated
 * key]` per token; every cached latent is expanded by `kv_b_proj` into each
 * head's non-rotary key and value; causal softmax attention with scale
 * `1/sqrt(nope + rope)`; `o_proj`. RoPE is applied to interleaved pairs
 * (output de-interleaved, as `apply_rotary_pos_emb_interleave`) when
 * `ropeInterleave`, else rotate-half. Sums in float64.
 *
 * Appends the new tokens' rows to `cache` (which `extend` has already grown).
 *
 * @returns `[count, hidden]` rows to add to the residual stream.
 */
export function latentAttention(
  shape: DecoderShape,
  latent: LatentAttentionShape,
  normed: Float32Array,
  count: number,
  cache: ReferenceKvCache,
  layer: number,
  attention: string,
  weight: (name: string) => Float32Array | undefined,
): Float32Array {
  const { hiddenSize, numAttentionHeads: heads } = shape;
  const { qLoraRank, kvLoraRank, qkNopeHeadDim: nope, qkRopeHeadDim: rope, vHeadDim } = latent;
  const qkHead = nope + rope;
  const start = cache.length - count;
  const project = (input: Float32Array, name: string, width: number) =>
    linear(input, count, weight(`${attention}.${name}.weight`)!, weight(`${attention}.${name}.bias`), width);
  let queries: Float32Array;
  if (qLoraRank === null) {
    queries = project(normed, 'q_proj', heads * qkHead);
  } else {
    const compressed = project(normed, 'q_a_proj', qLoraRank);
    rmsNormRows(compressed, 0, count, weight(`${attention}.q_a_layernorm.weight`)!, latentNormEps);
    queries = project(compressed, 'q_b_proj', heads * qkHead);
  }
  const compressedKv = project(normed, 'kv_a_proj_with_mqa', kvLoraRank + rope);
  const inverseFrequencies = ropeInverseFrequencies({ ...shape, headDim: rope });
  const ropeScale = ropeAttentionFactor(shape.ropeScaling);
  const rowSize = kvLoraRank + rope;
  const rows = cache.keys(layer);
  for (let t = 0; t < count; t++) {
    const row = compressedKv.subarray(t * rowSize, (t + 1) * rowSize);
    rmsNormRows(row, 0, 1, weight(`${attention}.kv_a_layernorm.weight`)!, latentNormEps);
    rotate(row, kvLoraRank, rope, inverseFrequencies, start + t, latent.ropeInterleave, ropeScale);
    for (let head = 0; head < heads; head++) {
      rotate(
        queries,
        (t * heads + head) * qkHead + nope,
        rope,
        inverseFrequencies,
        start + t,
        latent.ropeInterleave,
        ropeScale,
      );
    }
  }
  rows.set(compressedKv, start * rowSize);

  // Expand every cached latent into per-head keys (non-rotary part) and values, as expand_kv does.
  const total = cache.length;
  const kvB = weight(`${attention}.kv_b_proj.weight`)!;
  const perHead = nope + vHeadDim;
  const expanded = new Float64Array(total * heads * perHead);
  for (let j = 0; j < total; j++) {
    for (let out = 0; out < heads * perHead; out++) {
      let sum = 0;
      for (let i = 0; i < kvLoraRank; i++) sum += rows[j * rowSize + i]! * kvB[out * kvLoraRank + i]!;
      expanded[j * heads * perHead + out] = Math.fround(sum);
    }
  }
  // yarn_apply_mscale: a scaled rope with mscale_all_dim also sharpens the softmax by m(factor, mscale_all_dim)².
  const scaling = shape.ropeScaling;
  const magnitude =
    scaling.type === 'yarn' && scaling.mscaleAllDim ? yarnMagnitude(scaling.configFactor, scaling.mscaleAllDim) : 1;
  const scale = (magnitude * magnitude) / Math.sqrt(qkHead);
  const context = new Float32Array(count * heads * vHeadDim);
  const scores = new Float64Array(total);
  for (let t = 0; t < count; t++) {
    const visible = start + t + 1;
    for (let head = 0; head < heads; head++) {
      const q = (t * heads + head) * qkHead;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < visible; j++) {
        const k = (j * heads + head) * perHead;
        let dot = 0;
        for (let i = 0; i < nope; i++) dot += queries[q + i]! * expanded[k + i]!;
        for (let i = 0; i < rope; i++) dot += queries[q + nope + i]! * rows[j * rowSize + kvLoraRank + i]!;
        scores[j] = dot * scale;
        if (scores[j]! > max) max = scores[j]!;
      }
      let sum = 0;
      for (let j = 0; j < visible; j++) {
        scores[j] = Math.exp(scores[j]! - max);
        sum += scores[j]!;
      }
      for (let i = 0; i < vHeadDim; i++) {
        let mixed = 0;
        for (let j = 0; j < visible; j++)
          mixed += (scores[j]! / sum) * expanded[(j * heads + head) * perHead + nope + i]!;
        context[(t * heads + head) * vHeadDim + i] = mixed;
      }
    }
  }
  return linear(context, count, weight(`${attention}.o_proj.weight`)!, weight(`${attention}.o_proj.bias`), hiddenSize);
}

/** Rotates `dims` values at `offset` in place: interleaved pairs, output de-interleaved (as transformers), or rotate-half. */
function rotate(
  data: Float32Array,
  offset: number,
  dims: number,
  inverseFrequencies: Float64Array,
  position: number,
  interleaved: boolean,
  scale: number,
): void {
  const half = dims / 2;
  const x = data.slice(offset, offset + dims);
  for (let i = 0; i < half; i++) {
    const angle = Math.fround(inverseFrequencies[i]! * position);
    const cos = Math.cos(angle) * scale;
    const sin = Math.sin(angle) * scale;
    const first = interleaved ? x[2 * i]! : x[i]!;
    const second = interleaved ? x[2 * i + 1]! : x[i + half]!;
    data[offset + i] = first * cos - second * sin;
    data[offset + i + half] = second * cos + first * sin;
  }
}
