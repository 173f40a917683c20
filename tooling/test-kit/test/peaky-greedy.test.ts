import { describe, expect, it } from 'vitest';
import {
  buildHfConfig,
  type CheckpointShape,
  checkpointShapes,
  createRandomWeights,
  createRng,
  referenceGreedy,
  resolveDecoderShape,
  tokenizerInfo,
} from '../src/index.js';

/**
 * Symmetric 4-bit round trip in blocks of 32 consecutive values, as MatMulNBits
 * stores weights (every in_features here is a multiple of 32, so blocks stay within a row).
 */
function fakeQuantize4Bit(values: Float32Array): Float32Array {
  const result = new Float32Array(values.length);
  for (let start = 0; start < values.length; start += 32) {
    let absMax = 0;
    for (let i = start; i < start + 32; i++) absMax = Math.max(absMax, Math.abs(values[i]!));
    const scale = absMax / 7 || 1;
    for (let i = start; i < start + 32; i++)
      result[i] = Math.max(-8, Math.min(7, Math.round(values[i]! / scale))) * scale;
  }
  return result;
}

function weightsOf(shape: CheckpointShape) {
  const tokenizer = shape.tokenizer ?? 'llama3';
  const config = buildHfConfig(shape.arch, tokenizer, shape.dtype ?? 'float32', shape.config);
  const weights = createRandomWeights(resolveDecoderShape(shape.arch, config), {
    seed: 0,
    dtype: shape.dtype ?? 'float32',
    peaky: shape.peaky ?? 0,
    regularTokens: tokenizerInfo[tokenizer].baseVocabSize,
    tokenizerVocabSize: tokenizerInfo[tokenizer].tokenizerVocabSize,
  });
  return { config, weights, baseVocabSize: tokenizerInfo[tokenizer].baseVocabSize };
}

describe.each(['llama-peaky', 'qwen3-peaky'] as const)('the %s shape', (name) => {
  it('keeps its greedy output through 4-bit quantization of every matrix, with wide margins', () => {
    const shape = checkpointShapes[name];
    const { config, weights, baseVocabSize } = weightsOf(shape);
    const quantized = new Map<string, Float32Array>();
    for (const [tensor, values] of weights) {
      quantized.set(tensor, tensor.endsWith('norm.weight') ? values : fakeQuantize4Bit(values));
    }
    const rng = createRng(9);
    const prompt = Array.from({ length: 16 }, () => rng.int(baseVocabSize));
    const exact = referenceGreedy(shape.arch, config, weights, prompt, 16);
    const approximate = referenceGreedy(shape.arch, config, quantized, prompt, 16);
    expect(approximate.tokens).toEqual(exact.tokens);
    // Untied: the chain moves to a new token every step; tied: it repeats the last one.
    if (config.tie_word_embeddings) expect(new Set(exact.tokens)).toEqual(new Set([prompt.at(-1)]));
    else expect(new Set(exact.tokens).size).toBe(16);
    expect(exact.tokens.every((token) => token < baseVocabSize)).toBe(true);
    // Margins in units of the other logits' spread (about 1 untied, peaky * sqrt(hidden) tied).
    const spread = config.tie_word_embeddings ? (shape.peaky ?? 1) * 8 : 1;
    expect(Math.min(...exact.margins) / spread).toBeGreaterThan(2);
  });
});
