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
  rope_scaling: {
    factor: 32,
    high_freq_factor: 4,
    low_freq_factor: 1,
    original_max_position_embeddings: 8192,
    rope_type: 'llama3',
  },
  tie_word_embeddings: true,
  attention_bias: false,
  mlp_bias: false,
  bos_token_id: 128000,
  eos_token_id: 128001,
};

// Qwen/Qwen2.5-0.5B's config.json (tied, 14:2 heads, biases on q/k/v only, implied by model_type).
const qwen25_05b = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.40.1',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

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
    expect(() =>
      LlamaConfig.fromHuggingFace({ ...mistral, sliding_window: 4096 }, { maxContextLength: 4096 }),
    ).not.toThrow();
    const error = thrown(() => LlamaConfig.fromHuggingFace({ ...mistral, sliding_window: 4096 }));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /slidingWindow = 4096: sliding-window attention is not supported.*config\.json key "sliding_window"/,
    );
  });

  it("reads Qwen2.5-0.5B's config.json: q/k/v biases from model_type qwen2, and counts its 494,032,768 parameters", () => {
    const config = LlamaConfig.fromHuggingFace(qwen25_05b);
    expect(config.queryKeyValueBias).toBe(true);
    expect(config.attentionBias).toBe(false);
    expect([config.ropeTheta, config.headDim, config.tieWordEmbeddings]).toEqual([1e6, 64, true]);
    expect([config.useSlidingWindow, config.slidingWindow, config.maxWindowLayers]).toEqual([false, 32768, 24]);
    // Qwen's own figure (0.49B), biases included: 24 × (896 + 2 × 128) of them.
    expect(config.estimateParameters()).toBe(494032768);
    expect(LlamaConfig.fromHuggingFace(config.toHuggingFace())).toEqual(config);
    // A Llama config is not touched by the Qwen2 defaults.
    const llama = LlamaConfig.fromHuggingFace(llama32_1b);
    expect([llama.queryKeyValueBias, llama.useSlidingWindow, llama.maxWindowLayers]).toEqual([false, null, null]);
  });

  it('ignores a Qwen2 sliding_window when use_sliding_window is false or absent, as Qwen2Config does', () => {
    const small = { ...qwen25_05b, sliding_window: 4096 };
    expect(LlamaConfig.fromHuggingFace(small).maxContextLength).toBe(32768);
    const { use_sliding_window: _absent, ...withoutKey } = small;
    expect(LlamaConfig.fromHuggingFace(withoutKey).useSlidingWindow).toBe(false);
  });

  it('refuses use_sliding_window true with a ConfigError naming the key, unless no layer or no position slides', () => {
    const sliding = { ...qwen25_05b, sliding_window: 4096, use_sliding_window: true, max_window_layers: 21 };
    const error = thrown(() => LlamaConfig.fromHuggingFace(sliding));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /useSlidingWindow = true: sliding-window attention is not supported: layers 21 and up .*4096.*config\.json key "use_sliding_window"/,
    );
    // Every layer below max_window_layers, or a context inside the window: plain causal attention.
    expect(() => LlamaConfig.fromHuggingFace({ ...sliding, max_window_layers: 24 })).not.toThrow();
    expect(() => LlamaConfig.fromHuggingFace(sliding, { maxContextLength: 4096 })).not.toThrow();
    expect(() => LlamaConfig.fromHuggingFace({ ...sliding, sliding_window: null })).not.toThrow();
  });
});
