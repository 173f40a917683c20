import { describe, expect, it } from 'vitest';
import { decoderWeightShapes } from './decoder-weight-shapes.js';
import { resolveDecoderShape } from './resolve-decoder-shape.js';

const base = { vocab_size: 100, hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4 };

describe('decoderWeightShapes', () => {
  it('names a Llama layer exactly as Hugging Face does, with [out, in] linear weights', () => {
    const shapes = decoderWeightShapes(resolveDecoderShape('llama', { ...base, num_key_value_heads: 2, head_dim: 32 }));
    expect([...shapes.keys()].filter((name) => name.startsWith('model.layers.1.'))).toEqual([
      'model.layers.1.input_layernorm.weight',
      'model.layers.1.self_attn.q_proj.weight',
      'model.layers.1.self_attn.k_proj.weight',
      'model.layers.1.self_attn.v_proj.weight',
      'model.layers.1.self_attn.o_proj.weight',
      'model.layers.1.post_attention_layernorm.weight',
      'model.layers.1.mlp.gate_proj.weight',
      'model.layers.1.mlp.up_proj.weight',
      'model.layers.1.mlp.down_proj.weight',
    ]);
    expect(shapes.get('model.embed_tokens.weight')).toEqual([100, 64]);
    expect(shapes.get('model.layers.0.self_attn.q_proj.weight')).toEqual([128, 64]);
    expect(shapes.get('model.layers.0.self_attn.k_proj.weight')).toEqual([64, 64]);
    expect(shapes.get('model.layers.0.self_attn.o_proj.weight')).toEqual([64, 128]);
    expect(shapes.get('model.layers.0.mlp.down_proj.weight')).toEqual([64, 96]);
    expect(shapes.get('model.norm.weight')).toEqual([64]);
    expect(shapes.get('lm_head.weight')).toEqual([100, 64]);
    expect(shapes.size).toBe(1 + 2 * 9 + 2);
  });

  it('adds biases when asked, Qwen3 q/k norms of head_dim, and drops lm_head when tied', () => {
    const llama = decoderWeightShapes(
      resolveDecoderShape('llama', { ...base, attention_bias: true, mlp_bias: true, tie_word_embeddings: true }),
    );
    expect(llama.get('model.layers.0.self_attn.q_proj.bias')).toEqual([64]);
    expect(llama.get('model.layers.0.self_attn.o_proj.bias')).toEqual([64]);
    expect(llama.get('model.layers.0.mlp.gate_proj.bias')).toEqual([96]);
    expect(llama.has('lm_head.weight')).toBe(false);

    const qwen = decoderWeightShapes(
      resolveDecoderShape('qwen3', { ...base, head_dim: 16, tie_word_embeddings: true }),
    );
    expect(qwen.get('model.layers.1.self_attn.q_norm.weight')).toEqual([16]);
    expect(qwen.get('model.layers.1.self_attn.k_norm.weight')).toEqual([16]);
    expect([...qwen.keys()].some((name) => name.endsWith('.bias'))).toBe(false);
    expect(qwen.has('lm_head.weight')).toBe(false);
  });

  it('gives Qwen2 biases on q/k/v and none on o_proj or the MLP, whatever attention_bias says', () => {
    for (const attentionBias of [undefined, false, true]) {
      const qwen2 = decoderWeightShapes(
        resolveDecoderShape('qwen2', { ...base, num_key_value_heads: 2, attention_bias: attentionBias }),
      );
      expect([...qwen2.keys()].filter((name) => name.endsWith('.bias'))).toEqual(
        [0, 1].flatMap((layer) =>
          ['q', 'k', 'v'].map((projection) => `model.layers.${layer}.self_attn.${projection}_proj.bias`),
        ),
      );
      expect(qwen2.get('model.layers.0.self_attn.q_proj.bias')).toEqual([64]);
      expect(qwen2.get('model.layers.0.self_attn.k_proj.bias')).toEqual([32]);
      expect(qwen2.has('model.layers.0.self_attn.q_norm.weight')).toBe(false);
    }
  });
});
