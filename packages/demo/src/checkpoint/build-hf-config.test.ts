import { ConfigError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { buildHfConfig } from './build-hf-config.js';

// The keys of Llama-3.2-1B's and Qwen3-0.6B's config.json.
const llamaKeys = [
  'architectures',
  'attention_bias',
  'attention_dropout',
  'bos_token_id',
  'eos_token_id',
  'head_dim',
  'hidden_act',
  'hidden_size',
  'initializer_range',
  'intermediate_size',
  'max_position_embeddings',
  'mlp_bias',
  'model_type',
  'num_attention_heads',
  'num_hidden_layers',
  'num_key_value_heads',
  'pretraining_tp',
  'rms_norm_eps',
  'rope_scaling',
  'rope_theta',
  'tie_word_embeddings',
  'torch_dtype',
  'transformers_version',
  'use_cache',
  'vocab_size',
];
const qwen3Keys = [
  'architectures',
  'attention_bias',
  'attention_dropout',
  'bos_token_id',
  'eos_token_id',
  'head_dim',
  'hidden_act',
  'hidden_size',
  'initializer_range',
  'intermediate_size',
  'max_position_embeddings',
  'max_window_layers',
  'model_type',
  'num_attention_heads',
  'num_hidden_layers',
  'num_key_value_heads',
  'rms_norm_eps',
  'rope_scaling',
  'rope_theta',
  'sliding_window',
  'tie_word_embeddings',
  'torch_dtype',
  'transformers_version',
  'use_cache',
  'use_sliding_window',
  'vocab_size',
];

describe('buildHfConfig', () => {
  it('writes every LlamaConfig field, sorted, with the tokenizer vocabulary and special ids', () => {
    const config = buildHfConfig('llama', 'llama3', 'float32');
    expect(Object.keys(config)).toEqual(llamaKeys);
    expect(config).toMatchObject({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      vocab_size: 128256,
      bos_token_id: 128000,
      eos_token_id: 128001,
      hidden_size: 64,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 16,
      num_hidden_layers: 2,
      tie_word_embeddings: false,
      torch_dtype: 'float32',
      rope_scaling: null,
    });
  });

  it('writes every Qwen3Config field, tied by default, with the padded Qwen3 vocabulary', () => {
    const config = buildHfConfig('qwen3', 'qwen3', 'bfloat16', { num_hidden_layers: 3 });
    expect(Object.keys(config)).toEqual(qwen3Keys);
    expect(config).toMatchObject({
      architectures: ['Qwen3ForCausalLM'],
      model_type: 'qwen3',
      vocab_size: 151936,
      bos_token_id: 151643,
      eos_token_id: 151645,
      tie_word_embeddings: true,
      use_sliding_window: false,
      max_window_layers: 3,
      num_hidden_layers: 3,
      torch_dtype: 'bfloat16',
    });
  });

  it('writes a Qwen2.5-style config: tied, rope base 1e6, no attention_bias key, the sliding window turned off', () => {
    const config = buildHfConfig('qwen2', 'qwen3', 'float32');
    expect(config).toMatchObject({
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      vocab_size: 151936,
      rope_theta: 1000000.0,
      tie_word_embeddings: true,
      use_sliding_window: false,
      sliding_window: 2048,
      max_window_layers: 2,
      head_dim: 16,
    });
    expect(config).not.toHaveProperty('attention_bias');
    expect(Object.keys(config)).toEqual([...Object.keys(config)].sort());
  });

  it('derives head_dim from overridden sizes unless head_dim itself is given', () => {
    expect(buildHfConfig('llama', 'gpt2', 'float32', { hidden_size: 96, num_attention_heads: 2 }).head_dim).toBe(48);
    expect(buildHfConfig('qwen3', 'gpt2', 'float32', { head_dim: 32 }).head_dim).toBe(32);
  });

  it('refuses a vocabulary smaller than the tokenizer, and invalid fields', () => {
    expect(() => buildHfConfig('llama', 'gpt2', 'float32', { vocab_size: 50000 })).toThrow(/at least 50257/);
    expect(() => buildHfConfig('llama', 'gpt2', 'float32', { num_key_value_heads: 3 })).toThrow(ConfigError);
  });
});
