import { ConfigError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import type { HfDecoderConfig } from './hf-decoder-config.js';
import { resolveDecoderShape } from './resolve-decoder-shape.js';

const minimal: HfDecoderConfig = {
  vocab_size: 100,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
};

describe('resolveDecoderShape', () => {
  it('fills absent fields with the LlamaConfig defaults', () => {
    expect(resolveDecoderShape('llama', minimal)).toEqual({
      architecture: 'llama',
      vocabSize: 100,
      hiddenSize: 64,
      intermediateSize: 128,
      numLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 4,
      headDim: 16,
      rmsNormEps: 1e-6,
      ropeTheta: 10000,
      ropeScaling: { type: 'default' },
      attentionBias: false,
      mlpBias: false,
      tieWordEmbeddings: false,
      queryKeyNorm: false,
    });
  });

  it('gives Qwen3 its q/k norm and its default head_dim of 128, and never an MLP bias', () => {
    const shape = resolveDecoderShape('qwen3', { ...minimal, mlp_bias: true });
    expect(shape.queryKeyNorm).toBe(true);
    expect(shape.headDim).toBe(128);
    expect(shape.mlpBias).toBe(false);
    expect(resolveDecoderShape('qwen3', { ...minimal, head_dim: 32 }).headDim).toBe(32);
  });

  it('gives Qwen2 biases on q/k/v only, no q/k norm, head_dim hidden/heads, and refuses its sliding window', () => {
    const shape = resolveDecoderShape('qwen2', { ...minimal, mlp_bias: true, sliding_window: 16 });
    expect([shape.attentionBias, shape.outputBias, shape.mlpBias, shape.queryKeyNorm]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(shape.headDim).toBe(16);
    const sliding = (() => {
      try {
        return resolveDecoderShape('qwen2', { ...minimal, use_sliding_window: true });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.isInstance(sliding)).toBe(true);
    expect((sliding as Error).message).toMatch(/useSlidingWindow = true/);
  });

  it('reads rope_scaling (also its old "type" key) and the transformers 5 rope_parameters', () => {
    const llama3 = {
      rope_type: 'llama3',
      factor: 32.0,
      low_freq_factor: 1.0,
      high_freq_factor: 4.0,
      original_max_position_embeddings: 8192,
    };
    expect(resolveDecoderShape('llama', { ...minimal, rope_theta: 500000, rope_scaling: llama3 })).toMatchObject({
      ropeTheta: 500000,
      ropeScaling: {
        type: 'llama3',
        factor: 32,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositionEmbeddings: 8192,
      },
    });
    expect(
      resolveDecoderShape('llama', { ...minimal, rope_scaling: { type: 'linear', factor: 2 } }).ropeScaling,
    ).toEqual({ type: 'linear', factor: 2 });
    expect(
      resolveDecoderShape('llama', {
        ...minimal,
        rope_theta: 1,
        rope_parameters: { rope_type: 'default', rope_theta: 1e6 },
      }),
    ).toMatchObject({ ropeTheta: 1e6, ropeScaling: { type: 'default' } });
  });

  it('lists every problem at once in a ConfigError', () => {
    let caught: unknown;
    try {
      resolveDecoderShape('qwen3', {
        ...minimal,
        hidden_size: 0,
        num_key_value_heads: 3,
        head_dim: 15,
        hidden_act: 'gelu',
        use_sliding_window: true,
        rope_scaling: { rope_type: 'dynamic', factor: 4 },
      });
    } catch (error) {
      caught = error;
    }
    expect(ConfigError.isInstance(caught)).toBe(true);
    const error = caught as ConfigError;
    expect(error.configName).toBe('Qwen3Config');
    expect(error.issues.map((issue) => issue.field)).toEqual([
      'hiddenSize',
      'numKeyValueHeads',
      'headDim',
      'hiddenAct',
      'useSlidingWindow',
      'ropeScaling.ropeType',
    ]);
    expect(error.message).toContain('ropeScaling.ropeType = "dynamic"');
  });

  it('rejects a llama3 scaling whose high_freq_factor is not above low_freq_factor', () => {
    const scaling = {
      rope_type: 'llama3',
      factor: 8,
      low_freq_factor: 4,
      high_freq_factor: 1,
      original_max_position_embeddings: 64,
    };
    expect(() => resolveDecoderShape('llama', { ...minimal, rope_scaling: scaling })).toThrow(/highFreqFactor/);
  });
});
