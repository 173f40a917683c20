import { GraphError } from '../errors/graph-error.js';
import type { GraphCore } from '../graph/graph-core.js';

/**
 * Most values one rotary table (cos or sin) may hold: 2^28 floats, 1 GiB.
 * Beyond it a build would bake gigabytes of tables into the model (a
 * `maxContextLength` of 1e7 with 64-wide heads: 1.3 GB) or fail to allocate
 * them at all: {@link rotaryCaches} refuses with a typed error instead.
 */
export const maxRotaryTableValues = 2 ** 28;

/** How rotary frequencies are scaled for long contexts (Hugging Face `rope_scaling`). */
export type RopeScaling =
  /** Positions divided by `factor` (all frequencies divided by it). */
  | { type: 'linear'; factor: number }
  /** Llama 3.x: low frequencies divided by `factor`, high ones kept, a smooth blend between. */
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositionEmbeddings: number;
    }
  /**
   * YaRN: frequencies that turn fewer than `betaSlow` times over the original
   * context are divided by `factor`, those that turn more than `betaFast`
   * times are kept, a linear ramp over the dimensions between; cos and sin
   * are multiplied by `attentionFactor`.
   */
  | {
      type: 'yarn';
      factor: number;
      originalMaxPositionEmbeddings: number;
      betaFast: number;
      betaSlow: number;
      /** Round the ramp's ends to whole dimensions (Hugging Face's default). */
      truncate: boolean;
      attentionFactor: number;
    };

/** What {@link rotaryCaches} needs. */
export interface RotaryCacheOptions {
  /** Size of one attention head. */
  headDim: number;
  /** Positions covered: rows of the caches. */
  maxPositions: number;
  /** Base of the frequencies (`rope_theta`), e.g. 10000 or 500000. */
  theta: number;
  /** Fraction of each head that rotates (`partial_rotary_factor`); default 1. */
  partialRotaryFactor?: number;
  /** Frequency scaling, if any. */
  scaling?: RopeScaling;
  /** Multiplies cos and sin; default the yarn scaling's `attentionFactor`, else 1. */
  attentionFactor?: number;
}

/** Cos/sin caches for rotary embeddings. */
export interface RotaryCaches {
  /** `[maxPositions, rotaryDim / 2]`, row-major. */
  cos: Float32Array;
  /** `[maxPositions, rotaryDim / 2]`, row-major. */
  sin: Float32Array;
  /** Rotated dimensions per head (`headDim` unless partial). */
  rotaryDim: number;
  /** Rows: `maxPositions`. */
  maxPositions: number;
}

/**
 * The inverse frequencies `1 / theta^(2i / rotaryDim)` for i < rotaryDim / 2,
 * after `scaling`, in float64.
 *
 * @param rotaryDim rotated dimensions per head (even)
 * @param theta frequency base
 * @param scaling optional frequency scaling
 */
export function inverseFrequencies(rotaryDim: number, theta: number, scaling?: RopeScaling): Float64Array {
  const half = rotaryDim / 2;
  const inv = Float64Array.from({ length: half }, (_, i) => 1 / theta ** ((2 * i) / rotaryDim));
  if (!scaling) return inv;
  if (scaling.type === 'linear') return inv.map((f) => f / scaling.factor);
  if (scaling.type === 'yarn') return yarnFrequencies(inv, rotaryDim, theta, scaling);
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: context } = scaling;
  const lowFreqWavelength = context / lowFreqFactor;
  const highFreqWavelength = context / highFreqFactor;
  return inv.map((f) => {
    const wavelength = (2 * Math.PI) / f;
    if (wavelength < highFreqWavelength) return f;
    if (wavelength > lowFreqWavelength) return f / factor;
    const smooth = (context / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

/** YaRN's blend of kept (extrapolated) and divided (interpolated) frequencies, as transformers computes it. */
function yarnFrequencies(
  inv: Float64Array,
  rotaryDim: number,
  theta: number,
  scaling: Extract<RopeScaling, { type: 'yarn' }>,
): Float64Array {
  const { factor, originalMaxPositionEmbeddings: context, betaFast, betaSlow, truncate } = scaling;
  // The dimension whose frequency turns `rotations` times over the original context.
  const dimensionOf = (rotations: number) =>
    (rotaryDim * Math.log(context / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
  let low = dimensionOf(betaFast);
  let high = dimensionOf(betaSlow);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, rotaryDim - 1);
  if (low === high) high += 0.001;
  return inv.map((f, i) => {
    const ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
    return (f / factor) * ramp + f * (1 - ramp);
  });
}

/**
 * The cos/sin scale of YaRN when `attention_factor` is not given:
 * `m(factor, mscale) / m(factor, mscaleAllDim)` when both are set
 * (DeepSeek-style), else `m(factor)`, with `m(s, k) = 0.1·k·ln(s) + 1` for
 * s > 1 and 1 otherwise.
 */
export function yarnAttentionFactor(factor: number, mscale?: number, mscaleAllDim?: number): number {
  if (mscale && mscaleAllDim) return yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
  return yarnMscale(factor);
}

/** YaRN's magnitude correction `0.1·k·ln(s) + 1` for a scale s > 1, else 1. */
export function yarnMscale(scale: number, k = 1): number {
  return scale <= 1 ? 1 : 0.1 * k * Math.log(scale) + 1;
}

/**
 * Cos/sin caches for the rotate-half rotary embedding of Llama-style models,
 * in the `[maxPositions, rotaryDim / 2]` layout that com.microsoft
 * `RotaryEmbedding`, `GroupQueryAttention` and ONNX `RotaryEmbedding` read.
 *
 * Allocates `2 * maxPositions * rotaryDim / 2` floats: size `maxPositions`
 * by the context the model will run (`maxContextLength`), not by
 * `max_position_embeddings`.
 *
 * @param options head size, positions, theta, partial factor, scaling
 * @throws {GraphError} when `maxPositions` is not a positive integer, or the
 *   tables would exceed {@link maxRotaryTableValues} values each.
 */
export function rotaryCaches(options: RotaryCacheOptions): RotaryCaches {
  const { headDim, maxPositions, theta } = options;
  const rotaryDim = Math.floor((headDim * (options.partialRotaryFactor ?? 1)) / 2) * 2;
  const half = rotaryDim / 2;
  if (!Number.isSafeInteger(maxPositions) || maxPositions < 1) {
    throw rotaryError(`maxPositions is ${maxPositions}: it must be a whole number of positions >= 1`);
  }
  if (maxPositions * half > maxRotaryTableValues) {
    const mib = Math.round((2 * maxPositions * half * 4) / 2 ** 20);
    throw rotaryError(
      `rotary tables for ${maxPositions} positions × ${half} frequencies would take ${mib} MiB (at most ${maxRotaryTableValues / half} positions fit)`,
    );
  }
  const inv = inverseFrequencies(rotaryDim, theta, options.scaling);
  const factor = options.attentionFactor ?? (options.scaling?.type === 'yarn' ? options.scaling.attentionFactor : 1);
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      // Hugging Face computes frequencies and angles in float32: round the same way.
      const angle = Math.fround(p * Math.fround(inv[i] as number));
      cos[p * half + i] = Math.cos(angle) * factor;
      sin[p * half + i] = Math.sin(angle) * factor;
    }
  }
  return { cos, sin, rotaryDim, maxPositions };
}

/**
 * Adds rotary caches as initializers `cos_cache` and `sin_cache` (scoped).
 *
 * @param graph the graph
 * @param caches from {@link rotaryCaches}
 * @param names initializer names; default `cos_cache` / `sin_cache`
 * @returns the initializer names
 */
export function addRotaryCaches(
  graph: GraphCore,
  caches: RotaryCaches,
  names: { cos?: string; sin?: string } = {},
): { cos: string; sin: string } {
  const dims = [caches.maxPositions, caches.rotaryDim / 2];
  return {
    cos: graph.initializer(names.cos ?? 'cos_cache', caches.cos, dims),
    sin: graph.initializer(names.sin ?? 'sin_cache', caches.sin, dims),
  };
}

function rotaryError(detail: string): GraphError {
  return new GraphError({
    graphName: 'rotary',
    issues: [{ problem: 'invalid-argument', detail }],
    hint: "Lower maxContextLength (the CLI's --context): the tables cover only the positions the model will run.",
  });
}
