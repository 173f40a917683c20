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
  const { headDim, ropeTheta, ropeScaling } = settings;
  const frequencies = new Float64Array(headDim / 2);
  for (let i = 0; i < frequencies.length; i++) {
    const base = 1 / ropeTheta ** ((2 * i) / headDim);
    frequencies[i] = Math.fround(scaleFrequency(base, ropeScaling));
  }
  return frequencies;
}

function scaleFrequency(frequency: number, scaling: RopeScaling): number {
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
 */
export function applyRotaryEmbedding(
  data: Float32Array,
  offset: number,
  inverseFrequencies: Float64Array,
  position: number,
): void {
  const half = inverseFrequencies.length;
  for (let i = 0; i < half; i++) {
    // transformers multiplies positions by frequencies in float32.
    const angle = Math.fround(inverseFrequencies[i]! * position);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const first = data[offset + i]!;
    const second = data[offset + i + half]!;
    data[offset + i] = first * cos - second * sin;
    data[offset + i + half] = second * cos + first * sin;
  }
}
