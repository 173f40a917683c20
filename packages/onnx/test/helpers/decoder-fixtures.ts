import { type RandomCheckpoint, resolveDecoderShape } from '@pio/test-kit';
import type { DecoderIoNames, DecoderTransformerOptions } from '../../src/index.js';

/** PIO's engine I/O names of the test decoder graphs (one sequence: new tokens in, JS cache in, new K/V out). */
export const decoderIo: DecoderIoNames = {
  inputIds: 'input_ids',
  logitIndices: 'logit_indices',
  logits: 'logits',
  pastKey: (i) => `past_key.${i}`,
  pastValue: (i) => `past_value.${i}`,
  newKey: (i) => `new_key.${i}`,
  newValue: (i) => `new_value.${i}`,
};

/** {@link decoderIo} plus the batched inputs of continuous batching (sequence lengths, positions, slot caches). */
export const batchedDecoderIo: DecoderIoNames = {
  ...decoderIo,
  batch: {
    sequenceLengths: 'sequence_lengths',
    positions: 'positions',
    slotKey: (i) => `slot_key.${i}`,
    slotValue: (i) => `slot_value.${i}`,
  },
};

/**
 * The decoder options of a random test checkpoint: its resolved shape, rope base, tied embeddings, biases and
 * q/k norm (Qwen3), with 64 positions, float32 weights and {@link decoderIo}; `overrides` win.
 */
export function decoderOptions(
  checkpoint: RandomCheckpoint,
  overrides: Partial<DecoderTransformerOptions> = {},
): DecoderTransformerOptions {
  const shape = resolveDecoderShape(checkpoint.arch, checkpoint.config);
  const { config } = checkpoint;
  return {
    hiddenSize: shape.hiddenSize,
    numHeads: shape.numAttentionHeads,
    numKvHeads: shape.numKeyValueHeads,
    headDim: shape.headDim,
    numLayers: shape.numLayers,
    intermediateSize: shape.intermediateSize,
    vocabSize: shape.vocabSize,
    rmsNormEps: shape.rmsNormEps,
    maxPositions: 64,
    rope: { theta: config.rope_theta ?? 10000 },
    tieWordEmbeddings: config.tie_word_embeddings === true,
    attentionBias: config.attention_bias === true,
    mlpBias: config.mlp_bias === true,
    queryKeyNorm: checkpoint.arch === 'qwen3',
    weightFormat: { kind: 'float32' },
    io: decoderIo,
    ...overrides,
  };
}
