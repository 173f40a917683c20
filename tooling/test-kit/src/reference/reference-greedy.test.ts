import { createRandomWeights, type HfDecoderConfig, resolveDecoderShape } from '@pio/demo';
import { describe, expect, it } from 'vitest';
import { TestKitError } from '../errors/test-kit-error.js';
import { argmaxWithMargin } from './argmax-with-margin.js';
import { referenceForward } from './reference-forward.js';
import { referenceGreedy } from './reference-greedy.js';
import { createReferenceKvCache } from './reference-kv-cache.js';

const config: HfDecoderConfig = {
  vocab_size: 256,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 8,
  tie_word_embeddings: true,
};
const weights = createRandomWeights(resolveDecoderShape('qwen3', config), { seed: 2, dtype: 'float32' });
const prompt = [5, 17, 99, 3, 250, 41];

describe('referenceGreedy', () => {
  it('picks, at every step, the argmax of a full recompute over prompt + tokens so far', () => {
    const { tokens, margins, stopped } = referenceGreedy('qwen3', config, weights, prompt, 12);
    expect(tokens).toHaveLength(12);
    expect(stopped).toBe(false);
    const sequence = [...prompt, ...tokens];
    const logits = referenceForward('qwen3', config, weights, sequence);
    for (let step = 0; step < 12; step++) {
      const row = prompt.length - 1 + step;
      const top = argmaxWithMargin(logits, row * 256, 256);
      expect(tokens[step]).toBe(top.token);
      expect(margins[step]).toBeCloseTo(top.margin, 4);
      expect(margins[step]).toBeGreaterThan(0);
    }
    expect(new Set(tokens).size).toBeGreaterThan(3);
  });

  it('stops on a stop token (included), continues a given cache, and generates nothing for 0 tokens', () => {
    const { tokens } = referenceGreedy('qwen3', config, weights, prompt, 8);
    const stop = tokens[3]!;
    const stopped = referenceGreedy('qwen3', config, weights, prompt, 8, { stopTokenIds: [stop] });
    expect(stopped.tokens).toEqual(tokens.slice(0, tokens.indexOf(stop) + 1));
    expect(stopped.stopped).toBe(true);

    const cache = createReferenceKvCache('qwen3', config);
    referenceForward('qwen3', config, weights, prompt.slice(0, 4), cache);
    const continued = referenceGreedy('qwen3', config, weights, prompt.slice(4), 8, { cache });
    expect(continued.tokens).toEqual(tokens);
    expect(cache.length).toBe(prompt.length + 7);

    expect(referenceGreedy('qwen3', config, weights, prompt, 0).tokens).toEqual([]);
    expect(() => referenceGreedy('qwen3', config, weights, prompt, -1)).toThrow(TestKitError);
  });
});

describe('argmaxWithMargin', () => {
  it('returns the first largest logit and its lead over the runner-up', () => {
    expect(argmaxWithMargin(new Float32Array([1, 5, 2, 4.5]))).toEqual({ token: 1, logit: 5, margin: 0.5 });
    expect(argmaxWithMargin(new Float32Array([3, 3, 1]))).toEqual({ token: 0, logit: 3, margin: 0 });
    expect(argmaxWithMargin(new Float32Array([9, 0, 2, 7, 1]), 1, 3)).toEqual({ token: 2, logit: 7, margin: 5 });
    expect(() => argmaxWithMargin(new Float32Array(0))).toThrow(RangeError);
  });
});
