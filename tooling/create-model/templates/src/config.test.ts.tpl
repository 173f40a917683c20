import { ConfigError, DecoderConfig } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { __Pascal__Config } from './config.js';

const configJson = {
  model_type: __modelTypeLiteral__,
  architectures: [__architectureLiteral__],
  hidden_size: 64,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  num_hidden_layers: 2,
  intermediate_size: 128,
  vocab_size: 256,
  max_position_embeddings: 128,
  attention_bias: true,
  hidden_act: 'gelu',
};

describe('__Pascal__Config', () => {
  it('maps its own config.json keys besides the DecoderConfig ones', () => {
    const config = __Pascal__Config.fromHuggingFace(configJson);
    expect(config).toBeInstanceOf(__Pascal__Config);
    expect(config).toBeInstanceOf(DecoderConfig);
    expect([config.attentionBias, config.hiddenAct]).toEqual([true, 'gelu']);
    expect([config.hiddenSize, config.numKeyValueHeads, config.headDim, config.maxContextLength]).toEqual([64, 2, 16, 128]);
    expect(config.toHuggingFace()).toMatchObject({ attention_bias: true, hidden_act: 'gelu' });
  });

  it('fills defaults for keys a config.json leaves out', () => {
    const { attention_bias: _bias, hidden_act: _act, ...rest } = configJson;
    const config = __Pascal__Config.fromHuggingFace(rest);
    expect([config.attentionBias, config.hiddenAct]).toEqual([false, 'silu']);
  });

  it('names the config.json key of a bad value', () => {
    const build = () => __Pascal__Config.fromHuggingFace({ ...configJson, attention_bias: 'yes' }, {}, 'config.json');
    expect(build).toThrow(ConfigError);
    expect(build).toThrow('attentionBias = "yes": must be true or false (config.json key "attention_bias")');
  });
});
