import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConfig, type ConfigSchema, defineConfigSchema } from './base-config.js';
import { DecoderConfig } from './decoder-config.js';
import { issuesOf } from './issues-of.testing.js';

describe('BaseConfig', () => {
  it('holds only what every model has: identity, vocabulary and runtime, no decoder sizes', () => {
    const config = new BaseConfig();
    expect(config.toJSON()).toEqual({
      architectures: [],
      modelType: '',
      vocabSize: 32000,
      maxPositionEmbeddings: 4096,
      bosTokenId: 1,
      eosTokenId: 2,
      padTokenId: null,
      dtype: 'float32',
      maxContextLength: 4096,
      numThreads: 0,
      executionProvider: 'cpu',
      memoryBudgetGb: null,
      maxBatchSize: 16,
    });
    expect(config).not.toHaveProperty('hiddenSize');
    // Nothing to count or cache without layers.
    expect([config.estimateParameters(), config.activeParameters(), config.kvCacheBytes(1024)]).toEqual([0, 0, 0]);
  });

  it('checks its own cross-field rules', () => {
    expect(
      issuesOf(
        () => new BaseConfig({ maxPositionEmbeddings: 128, maxContextLength: 256, vocabSize: 10, bosTokenId: 10 }),
      ),
    ).toEqual([
      ['maxContextLength', 256, 'must be <= maxPositionEmbeddings (128)'],
      ['bosTokenId', 10, 'must be < vocabSize (10)'],
    ]);
  });

  it('keeps the decoder keys of a config.json it does not read, and writes them back', () => {
    const json = {
      model_type: 'llama',
      vocab_size: 100,
      hidden_size: 64,
      rope_scaling: { rope_type: 'linear', factor: 2 },
    };
    const config = BaseConfig.fromHuggingFace(json);
    expect(config).not.toHaveProperty('hiddenSize');
    expect(config.toHuggingFace()).toMatchObject({
      model_type: 'llama',
      vocab_size: 100,
      hidden_size: 64,
      rope_scaling: json.rope_scaling,
    });
    // The same JSON read as a decoder has the sizes.
    expect(DecoderConfig.fromHuggingFace(json)).toMatchObject({
      hiddenSize: 64,
      ropeScaling: { ropeType: 'linear', factor: 2 },
    });
  });

  it('is subclassed by a model that is no decoder, with fields of its own', () => {
    class EndpointConfig extends BaseConfig {
      static override readonly schema: ConfigSchema = defineConfigSchema({
        endpoint: z.string({ error: 'must be a string' }).url({ error: 'must be a URL' }),
      });
      declare readonly endpoint: string;
    }
    const config = new EndpointConfig({ endpoint: 'http://127.0.0.1:8080', vocabSize: 10 });
    expect([config.endpoint, config.vocabSize, config.dtype]).toEqual(['http://127.0.0.1:8080', 10, 'float32']);
    expect(issuesOf(() => new EndpointConfig({ endpoint: 'nowhere', hiddenSize: -1 }))).toEqual([
      ['endpoint', 'nowhere', 'must be a URL'],
    ]);
    expect(() => new EndpointConfig({ endpoint: 'nowhere' })).toThrow(/^Invalid EndpointConfig: 1 problem\n/);
  });
});
