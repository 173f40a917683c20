import { permuteRotaryRows } from '@pio/test-kit';
import { describe, expect, it } from 'vitest';
import { ggufTensorName, unpermuteRotaryRows } from './gguf-weight-source.js';

describe('GGUF weight names and rows', () => {
  it('maps Hugging Face names onto llama.cpp names', () => {
    expect(ggufTensorName('model.embed_tokens.weight')).toBe('token_embd.weight');
    expect(ggufTensorName('model.norm.weight')).toBe('output_norm.weight');
    expect(ggufTensorName('lm_head.weight')).toBe('output.weight');
    expect(ggufTensorName('model.layers.3.input_layernorm.weight')).toBe('blk.3.attn_norm.weight');
    expect(ggufTensorName('model.layers.0.self_attn.q_proj.weight')).toBe('blk.0.attn_q.weight');
    expect(ggufTensorName('model.layers.0.self_attn.k_proj.bias')).toBe('blk.0.attn_k.bias');
    expect(ggufTensorName('model.layers.12.self_attn.o_proj.weight')).toBe('blk.12.attn_output.weight');
    expect(ggufTensorName('model.layers.1.self_attn.q_norm.weight')).toBe('blk.1.attn_q_norm.weight');
    expect(ggufTensorName('model.layers.1.post_attention_layernorm.weight')).toBe('blk.1.ffn_norm.weight');
    expect(ggufTensorName('model.layers.2.mlp.down_proj.weight')).toBe('blk.2.ffn_down.weight');
    expect(ggufTensorName('model.layers.2.mlp.experts.0.down_proj.weight')).toBeUndefined();
    expect(ggufTensorName('unknown')).toBeUndefined();
  });

  it('undoes the test kit’s (llama.cpp’s) rotary row permutation', () => {
    const heads = 3;
    const headDim = 8;
    const columns = 5;
    const values = Float32Array.from({ length: heads * headDim * columns }, (_, i) => i);
    const permuted = permuteRotaryRows(values, heads, headDim, columns);
    expect(permuted).not.toEqual(values);
    expect(unpermuteRotaryRows(permuted, heads, headDim, columns)).toEqual(values);
  });
});
