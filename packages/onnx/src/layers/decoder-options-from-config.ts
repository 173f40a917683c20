import type { RopeScaling as ConfigRopeScaling, DecoderConfig } from '@pio/core';
import type { DecoderIo, DecoderTransformerOptions } from '../decoder/decoder-options.js';
import type { DecoderWeightFormat } from '../decoder/decoder-weights.js';
import { GraphError } from '../errors/graph-error.js';
import { type RopeScaling, yarnAttentionFactor } from './rotary.js';

/**
 * Weight format for a config's dtype: fp32 Gemm, or MatMulNBits at 8 or 4
 * bits (symmetric, accuracy_level 4: int8 activations). int4 layers use
 * blocks of 128 (`MatMulNBits` pads the last block of a row when the hidden
 * size is not a multiple); the embedding table takes the largest block of
 * 128, 64 or 32 that divides `hiddenSize` (whole blocks per row, which its
 * `GatherBlockQuantized` lookup needs), 64 without one.
 */
export function weightFormatForDtype(dtype: DecoderConfig['dtype'], hiddenSize?: number): DecoderWeightFormat {
  switch (dtype) {
    case 'int4': {
      // Block 128 vs 64 (`pnpm --filter @pio/onnx bench:matmul-nbits`, and Llama-3.2-1B end to end): 12% faster decode,
      // 30% faster prefill, 6% fewer bytes. Whole blocks per embedding row keep the embedding quantizable.
      // Padded blocks of 128 against whole blocks of 64 on SmolLM2-135M's K = 576 (one MatMulNBits, 2 threads, a
      // one-off script): 256 rows 4.8 vs 5.2-5.4 ms ([3072 x 576]), 1.7 vs 2.2-2.4 ms ([576 x 1536]).
      const embeddingBlockSize =
        hiddenSize === undefined ? 128 : (([128, 64, 32] as const).find((block) => hiddenSize % block === 0) ?? 64);
      return {
        kind: 'nbits',
        bits: 4,
        blockSize: 128,
        symmetric: true,
        accuracyLevel: 4,
        ...(embeddingBlockSize === 128 ? {} : { embeddingBlockSize }),
      };
    }
    case 'int8':
      return { kind: 'nbits', bits: 8, blockSize: 64, symmetric: true, accuracyLevel: 4 };
    case 'float32':
      return { kind: 'float32' };
    default:
      throw new GraphError({
        graphName: 'decoder',
        issues: [
          { problem: 'invalid-argument', detail: `dtype ${dtype} is not supported yet: use float32, int8 or int4` },
        ],
      });
  }
}

/**
 * The graph's rotary scaling for a config's `rope_scaling`.
 *
 * Yarn follows transformers: when `original_max_position_embeddings` is
 * given, the factor is `max_position_embeddings` over it (DeepSeek-V3's
 * convention), not `factor`; without it the original context is
 * `max_position_embeddings`.
 *
 * @param scaling the config's `rope_scaling`
 * @param maxPositionEmbeddings the config's `max_position_embeddings` (yarn reads it)
 * @throws {GraphError} for scaling types the graph does not implement (dynamic), or yarn without a context
 */
export function ropeScalingFromConfig(
  scaling: ConfigRopeScaling | null,
  maxPositionEmbeddings?: number,
): RopeScaling | undefined {
  if (!scaling || scaling.ropeType === 'default') return undefined;
  if (scaling.ropeType === 'linear') return { type: 'linear', factor: scaling.factor };
  if (scaling.ropeType === 'yarn') {
    const original = scaling.originalMaxPositionEmbeddings;
    const context = original ?? maxPositionEmbeddings;
    if (context === undefined) {
      throw new GraphError({
        graphName: 'decoder',
        issues: [
          {
            problem: 'invalid-argument',
            detail:
              'yarn rope scaling needs original_max_position_embeddings or the max_position_embeddings of the config',
          },
        ],
      });
    }
    const factor =
      original !== undefined && maxPositionEmbeddings !== undefined ? maxPositionEmbeddings / original : scaling.factor;
    return {
      type: 'yarn',
      factor,
      originalMaxPositionEmbeddings: context,
      betaFast: scaling.betaFast ?? 32,
      betaSlow: scaling.betaSlow ?? 1,
      truncate: scaling.truncate ?? true,
      attentionFactor: scaling.attentionFactor ?? yarnAttentionFactor(factor, scaling.mscale, scaling.mscaleAllDim),
    };
  }
  if (
    scaling.ropeType === 'llama3' &&
    scaling.lowFreqFactor !== undefined &&
    scaling.highFreqFactor !== undefined &&
    scaling.originalMaxPositionEmbeddings !== undefined
  ) {
    return {
      type: 'llama3',
      factor: scaling.factor,
      lowFreqFactor: scaling.lowFreqFactor,
      highFreqFactor: scaling.highFreqFactor,
      originalMaxPositionEmbeddings: scaling.originalMaxPositionEmbeddings,
    };
  }
  throw new GraphError({
    graphName: 'decoder',
    issues: [
      {
        problem: 'invalid-argument',
        detail: `rope_scaling type "${scaling.ropeType}" is not supported: use none, linear, llama3 or yarn`,
      },
    ],
  });
}

/**
 * The {@link DecoderTransformerOptions} every Llama-style model shares, from
 * its {@link DecoderConfig}: sizes, norms, rotary settings, tied embeddings,
 * weight format from the dtype, and rotary caches for `maxContextLength`
 * positions. Models set what is theirs (biases, q/k norm) on top.
 */
export function decoderOptionsFromConfig(
  config: DecoderConfig,
  io: DecoderIo,
): Omit<DecoderTransformerOptions, 'attentionBias' | 'mlpBias' | 'queryKeyNorm'> {
  const scaling = ropeScalingFromConfig(config.ropeScaling, config.maxPositionEmbeddings);
  return {
    hiddenSize: config.hiddenSize,
    numHeads: config.numAttentionHeads,
    numKvHeads: config.numKeyValueHeads,
    headDim: config.headDim,
    numLayers: config.numHiddenLayers,
    intermediateSize: config.intermediateSize,
    vocabSize: config.vocabSize,
    rmsNormEps: config.rmsNormEps,
    maxPositions: config.maxContextLength,
    rope: { theta: config.ropeTheta, ...(scaling ? { scaling } : {}) },
    tieWordEmbeddings: config.tieWordEmbeddings,
    weightFormat: weightFormatForDtype(config.dtype, config.hiddenSize),
    io,
  };
}

/** Whether the shared Llama-style decoder can build a graph for `config` (its rotary scaling and dtype), and if not, why. */
export function decoderConfigSupport(
  config: DecoderConfig,
): { supported: true } | { supported: false; reason: string; field: string } {
  // The issue's own words: a whole GraphError message would add a hint about graph wiring, which does not apply here.
  const reasonOf = (error: unknown) =>
    GraphError.isInstance(error) ? error.issues.map((issue) => issue.detail).join('; ') : (error as Error).message;
  try {
    ropeScalingFromConfig(config.ropeScaling, config.maxPositionEmbeddings);
  } catch (error) {
    return { supported: false, reason: reasonOf(error), field: 'ropeScaling' };
  }
  try {
    weightFormatForDtype(config.dtype);
  } catch (error) {
    return { supported: false, reason: reasonOf(error), field: 'dtype' };
  }
  return { supported: true };
}
