import { ConfigError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { LlamaConfig } from './config.js';

const llama32_1b = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 2048,
  intermediate_size: 8192,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 64,
  num_hidden_layers: 16,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  rope_scaling: { factor: 32, high_freq_factor: 4, low_freq_factor: 1, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  tie_word_embeddings: true,
  attention_bias: false,
  mlp_bias: false,
  bos_token_id: 128000,
  eos_token_id: 128001,
};

describe('LlamaConfig', () => {
  it("reads Llama-3.2-1B's config.json with llama3 rope scaling and counts its 1.24B parameters", () => {
    const config = LlamaConfig.fromHuggingFace(llama32_1b);
    expect(config.ropeScaling).toEqual({
      ropeType: 'llama3',
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    expect(config.attentionBias).toBe(false);
    expect(config.slidingWindow).toBeNull();
    expect(config.estimateParameters()).toBe(1235814400);
  });

  it('accepts a Mistral config whose sliding window covers the context, and refuses one that does not', () => {
    const mistral = { ...llama32_1b, architectures: ['MistralForCausalLM'], model_type: 'mistral', rope_scaling: null };
    expect(LlamaConfig.fromHuggingFace({ ...mistral, sliding_window: null }).slidingWindow).toBeNull();
    expect(() => LlamaConfig.fromHuggingFace({ ...mistral, sliding_window: 4096 }, { maxContextLength: 4096 })).not.toThrow();
    const error = (() => {
      try {
        LlamaConfig.fromHuggingFace({ ...mistral, sliding_window: 4096 });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/slidingWindow = 4096: sliding-window attention is not supported.*config\.json key "sliding_window"/);
  });
});
