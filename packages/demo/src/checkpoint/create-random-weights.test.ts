import { bfloat16ToFloat32, float32ToBfloat16 } from '@pio/safetensors';
import { describe, expect, it } from 'vitest';
import type { HfDecoderConfig } from '../config/hf-decoder-config.js';
import { resolveDecoderShape } from '../config/resolve-decoder-shape.js';
import { RandomCheckpointError } from '../errors/random-checkpoint-error.js';
import { createRandomWeights } from './create-random-weights.js';

const config: HfDecoderConfig = {
  vocab_size: 1000,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 16,
};
const shape = resolveDecoderShape('qwen3', config);

function stats(values: Float32Array): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
}

describe('createRandomWeights', () => {
  it('is deterministic per seed, and each tensor depends only on the seed, its name and its size', () => {
    const a = createRandomWeights(shape, { seed: 1, dtype: 'float32' });
    const b = createRandomWeights(shape, { seed: 1, dtype: 'float32' });
    const c = createRandomWeights(shape, { seed: 2, dtype: 'float32' });
    for (const [name, values] of a) {
      expect(b.get(name)).toEqual(values);
      expect(c.get(name)).not.toEqual(values);
    }
    const wider = createRandomWeights(resolveDecoderShape('qwen3', { ...config, intermediate_size: 256 }), {
      seed: 1,
      dtype: 'float32',
    });
    expect(wider.get('model.layers.1.self_attn.q_proj.weight')).toEqual(
      a.get('model.layers.1.self_attn.q_proj.weight'),
    );
  });

  it('scales tensors so activations stay O(1): embeddings 1/sqrt(hidden), projections 1/sqrt(in), norms near 1', () => {
    const weights = createRandomWeights(shape, { seed: 3, dtype: 'float32' });
    expect(stats(weights.get('model.embed_tokens.weight')!).std).toBeCloseTo(1 / 8, 2);
    expect(stats(weights.get('model.layers.0.self_attn.q_proj.weight')!).std).toBeCloseTo(1 / 8, 2);
    expect(stats(weights.get('model.layers.0.mlp.down_proj.weight')!).std).toBeCloseTo(1 / Math.sqrt(128), 2);
    const norms = weights.get('model.layers.1.post_attention_layernorm.weight')!;
    expect(Math.abs(stats(norms).mean - 1)).toBeLessThan(0.05);
    expect(stats(norms).std).toBeGreaterThan(0.05);
    expect(stats(norms).std).toBeLessThan(0.15);
    expect(weights.get('model.layers.0.self_attn.q_norm.weight')).toHaveLength(16);
  });

  it('rounds to BF16 for bfloat16: every value survives a BF16 round trip', () => {
    const f32 = createRandomWeights(shape, { seed: 4, dtype: 'float32' });
    const bf16 = createRandomWeights(shape, { seed: 4, dtype: 'bfloat16' });
    for (const [name, values] of bf16) {
      expect(bfloat16ToFloat32(float32ToBfloat16(values))).toEqual(values);
      const original = f32.get(name)!;
      for (let i = 0; i < values.length; i += 97) {
        expect(Math.abs(values[i]! - original[i]!)).toBeLessThanOrEqual(Math.abs(original[i]!) * 2 ** -8);
      }
    }
  });

  it('zeroes the embedding and LM head rows of ids the tokenizer never produces', () => {
    const untied = resolveDecoderShape('llama', { ...config, tie_word_embeddings: false });
    const weights = createRandomWeights(untied, { seed: 5, dtype: 'float32', tokenizerVocabSize: 990 });
    for (const name of ['model.embed_tokens.weight', 'lm_head.weight']) {
      const values = weights.get(name)!;
      expect(values.subarray(990 * 64).every((value) => value === 0)).toBe(true);
      expect(values.subarray(989 * 64, 990 * 64).some((value) => value !== 0)).toBe(true);
    }
  });

  it('with peaky, gives every embedding row RMS peaky and chains an untied head through the regular tokens', () => {
    const untied = resolveDecoderShape('llama', { ...config, tie_word_embeddings: false });
    const weights = createRandomWeights(untied, {
      seed: 6,
      dtype: 'float32',
      peaky: 5,
      regularTokens: 900,
      tokenizerVocabSize: 950,
    });
    const embedding = weights.get('model.embed_tokens.weight')!;
    const head = weights.get('lm_head.weight')!;
    const row = (values: Float32Array, id: number) => values.subarray(id * 64, (id + 1) * 64);
    const norm = (values: Float32Array) => Math.hypot(...values);
    for (const id of [0, 17, 899, 949]) expect(norm(row(embedding, id)) / 8).toBeCloseTo(5, 4);

    // Head row v is the unit-length embedding of a shuffled regular token; specials map to themselves.
    const sources = new Set<number>();
    for (let v = 0; v < 900; v++) {
      const headRow = row(head, v);
      expect(norm(headRow)).toBeCloseTo(1, 5);
      let best = -1;
      let bestDot = Number.NEGATIVE_INFINITY;
      for (let u = 0; u < 950; u++) {
        const dot = headRow.reduce((sum, value, i) => sum + value * row(embedding, u)[i]!, 0);
        if (dot > bestDot) {
          bestDot = dot;
          best = u;
        }
      }
      expect(best).toBeLessThan(900);
      if (v < 40) expect(bestDot).toBeCloseTo(norm(row(embedding, best)), 3);
      sources.add(best);
      if (v >= 40) break;
    }
    expect(sources.size).toBe(41);
    // A special id (900..949) predicts itself: its head row is its own unit embedding, |e| = 5 * sqrt(64) = 40.
    expect(row(head, 920).reduce((sum, value, i) => sum + value * row(embedding, 920)[i]!, 0)).toBeCloseTo(40, 3);
    expect(() => createRandomWeights(untied, { seed: 1, dtype: 'float32', peaky: -1 })).toThrow(RandomCheckpointError);
  });
});
