import type { RopeScaling } from '@pio/demo';

/** What {@link ropeInverseFrequencies} needs from a config. */
export interface RopeSettings {
  /** Width of one head; RoPE rotates `headDim / 2` pairs. */
  headDim: number;
  /** The RoPE base (`rope_theta`). */
  ropeTheta: number;
  /** Frequency scaling (`rope_scaling`). */
  ropeScaling: RopeScaling;
}

/**
 * The inverse frequencies of rotary embeddings, one per rotated pair, as
 * transformers' `ROPE_INIT_FUNCTIONS` compute them: `theta^(-2i/d)`, divided
 * by `factor` for `linear`, and for `llama3` kept for wavelengths below
 * `original_max_position_embeddings / high_freq_factor`, divided by `factor`
 * above `original_max_position_embeddings / low_freq_factor`, and blended in
 * between.
 *
 * @param settings - Head width, base and scaling.
 * @returns `headDim / 2` values, rounded to float32 as transformers stores them.
 */
export function ropeInverseFrequencies(settings: RopeSettings): Float64Array {
  const { headDim, ropeTheta } = settings;
  const frequencies = new Float64Array(headDim / 2);
  for (let i = 0; i < frequencies.length; i++) {
    const base = 1 / ropeTheta ** ((2 * i) / headDim);
    frequencies[i] = Math.fround(scaleFrequency(base, i, settings));
  }
  return frequencies;
}

/**
 * What cos and sin are multiplied by: 1, except for yarn, where it is the
 * config's `attention_factor`, or `m(factor, mscale) / m(factor,
 * mscale_all_dim)` when both are set, or `m(factor)`, with `m(s, k) =
 * 0.1·k·ln(s) + 1` (transformers' `_compute_yarn_parameters`).
 */
export function ropeAttentionFactor(scaling: RopeScaling): number {
  if (scaling.type !== 'yarn') return 1;
  if (scaling.attentionFactor !== undefined) return scaling.attentionFactor;
  const { factor, mscale, mscaleAllDim } = scaling;
  if (mscale && mscaleAllDim) return yarnMagnitude(factor, mscale) / yarnMagnitude(factor, mscaleAllDim);
  return yarnMagnitude(factor, 1);
}

/** `0.1·k·ln(s) + 1` for s > 1, else 1 (transformers' `yarn_get_mscale`). */
export function yarnMagnitude(scale: number, k: number): number {
  return scale <= 1 ? 1 : 0.1 * k * Math.log(scale) + 1;
}

function scaleFrequency(frequency: number, index: number, settings: RopeSettings): number {
  const scaling = settings.ropeScaling;
  switch (scaling.type) {
    case 'default':
      return frequency;
    case 'linear':
      return frequency / scaling.factor;
    case 'llama3': {
      const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings } = scaling;
      const wavelength = (2 * Math.PI) / frequency;
      if (wavelength < originalMaxPositionEmbeddings / highFreqFactor) return frequency;
      if (wavelength > originalMaxPositionEmbeddings / lowFreqFactor) return frequency / factor;
      const smooth = (originalMaxPositionEmbeddings / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      return (1 - smooth) * (frequency / factor) + smooth * frequency;
    }
    case 'yarn': {
      // The dimension (of headDim) whose frequency turns n times over the original context.
      const { headDim: d, ropeTheta } = settings;
      const dimension = (n: number) =>
        (d * Math.log(scaling.originalMaxPositionEmbeddings / (n * 2 * Math.PI))) / (2 * Math.log(ropeTheta));
      let low = dimension(scaling.betaFast);
      let high = dimension(scaling.betaSlow);
      if (scaling.truncate) [low, high] = [Math.floor(low), Math.ceil(high)];
      [low, high] = [Math.max(low, 0), Math.min(high, d - 1)];
      if (low === high) high += 0.001;
      // 0 below low (frequency kept), 1 above high (divided by the factor).
      const ramp = Math.min(1, Math.max(0, (index - low) / (high - low)));
      return (frequency / scaling.factor) * ramp + frequency * (1 - ramp);
    }
  }
}

/**
 * Rotates one head in place, rotate-half style (pairs `i` and `i + d/2`, as
 * Llama and Qwen3 do, not interleaved pairs).
 *
 * @param data - Holds the head at `offset`.
 * @param offset - Index of the head's first value.
 * @param inverseFrequencies - From {@link ropeInverseFrequencies}.
 * @param position - Absolute position of the token.
 * @param scale - Multiplies cos and sin ({@link ropeAttentionFactor}); default 1.
 */
export function applyRotaryEmbedding(
  data: Float32Array,
  offset: number,
  inverseFrequencies: Float64Array,
  position: number,
  scale = 1,
): void {
  const half = inverseFrequencies.length;
  for (let i = 0; i < half; i++) {
    // transformers multiplies positions by frequencies in float32.
    const angle = Math.fround(inverseFrequencies[i]! * position);
    const cos = Math.cos(angle) * scale;
    const sin = Math.sin(angle) * scale;
    const first = data[offset + i]!;
    const second = data[offset + i + half]!;
    data[offset + i] = first * cos - second * sin;
    data[offset + i + half] = second * cos + first * sin;
  }
}
