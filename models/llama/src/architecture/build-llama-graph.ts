import { decoderIo, type BuildGraphsArgs, type BuiltGraphs } from '@pio/engine';
import { buildDecoderTransformer, type DecoderWeightFormat, type RopeScaling } from '@pio/onnx';
import type { BaseConfig, RopeScaling as ConfigRopeScaling } from '@pio/core';
import type { LlamaConfig } from '../config.js';

/** Weight format of the graph for a config's dtype: fp32 Gemm, or MatMulNBits at 8 or 4 bits. */
export function weightFormatFor(config: BaseConfig): DecoderWeightFormat {
  switch (config.dtype) {
    case 'int4':
      // FACTS.md: block 64, symmetric, accuracy_level 4 was the fastest 4-bit setting.
      return { kind: 'nbits', bits: 4, blockSize: 64, symmetric: true, accuracyLevel: 4 };
    case 'int8':
      return { kind: 'nbits', bits: 8, blockSize: 64, symmetric: true, accuracyLevel: 4 };
    default:
      return { kind: 'float32' };
  }
}

/** The rotary scaling of the graph for a config's `rope_scaling`. */
export function ropeScalingFor(scaling: ConfigRopeScaling | null): RopeScaling | undefined {
  if (!scaling || scaling.ropeType === 'default') return undefined;
  if (scaling.ropeType === 'linear') return { type: 'linear', factor: scaling.factor };
  if (scaling.ropeType === 'llama3') {
    return {
      type: 'llama3',
      factor: scaling.factor,
      lowFreqFactor: scaling.lowFreqFactor!,
      highFreqFactor: scaling.highFreqFactor!,
      originalMaxPositionEmbeddings: scaling.originalMaxPositionEmbeddings!,
    };
  }
  throw new Error(`rope_scaling type ${scaling.ropeType} is not supported`);
}

/**
 * Builds the decoder graph of a Llama-family checkpoint and saves it (weights
 * as external data) into `outDir` as `decoder.onnx`.
 */
export async function buildLlamaGraph(args: BuildGraphsArgs<LlamaConfig>): Promise<BuiltGraphs> {
  const { config, weights, outDir, onProgress } = args;
  const scaling = ropeScalingFor(config.ropeScaling);
  const { graph, parameters } = await buildDecoderTransformer(weights, {
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
    attentionBias: config.attentionBias,
    mlpBias: config.mlpBias,
    queryKeyNorm: false,
    weightFormat: weightFormatFor(config),
    io: decoderIo,
    onLayer: (built, total) => onProgress?.({ phase: 'build-graph', completed: built, total, unit: 'layers' }),
  });
  onProgress?.({ phase: 'write-graph', completed: 0, total: 1 });
  const saved = await graph.save(outDir, { modelFile: 'decoder.onnx', externalData: true });
  onProgress?.({ phase: 'write-graph', completed: 1, total: 1 });
  return { graphs: { decode: 'decoder.onnx' }, parameters, weightBytes: saved.dataBytes };
}
