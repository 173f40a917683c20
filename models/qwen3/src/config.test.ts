import { ConfigError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { Qwen3Config } from './config.js';

const qwen3_0_6b = {
  architectures: ['Qwen3ForCausalLM'],
  model_type: 'qwen3',
  hidden_size: 1024,
  intermediate_size: 3072,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  head_dim: 128,
  num_hidden_layers: 28,
  vocab_size: 151936,
  max_position_embeddings: 40960,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  tie_word_embeddings: true,
  attention_bias: false,
  use_sliding_window: false,
  sliding_window: null,
  bos_token_id: 151643,
  eos_token_id: 151645,
};

describe('Qwen3Config', () => {
  it("reads Qwen3-0.6B's config.json, explicit head_dim included, and counts its 596M parameters", () => {
    const config = Qwen3Config.fromHuggingFace(qwen3_0_6b);
    expect(config).toBeInstanceOf(Qwen3Config);
    expect(config.headDim).toBe(128);
    expect(config.hiddenSize / config.numAttentionHeads).toBe(64);
    expect(config.attentionBias).toBe(false);
    expect(config.estimateParameters()).toBe(596049920);
    expect(config.toHuggingFace()).toMatchObject({ head_dim: 128, use_sliding_window: false, sliding_window: null });
  });

  it('refuses sliding-window attention with a ConfigError naming the config.json key', () => {
    const error = (() => {
      try {
        Qwen3Config.fromHuggingFace({ ...qwen3_0_6b, use_sliding_window: true });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('useSlidingWindow = true: sliding-window attention is not supported');
  });
});
