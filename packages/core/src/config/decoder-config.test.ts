import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import type { ConfigSchema } from './base-config.js';
import { defaultContextLengthCap } from './base-config-schema.js';
import { DecoderConfig, defineDecoderConfigSchema } from './decoder-config.js';
import { issuesOf } from './issues-of.testing.js';

/** HuggingFaceTB/SmolLM2-135M config.json, as published. */
const smolLm2Json = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 0,
  eos_token_id: 0,
  hidden_act: 'silu',
  hidden_size: 576,
  initializer_range: 0.041666666666666664,
  intermediate_size: 1536,
  is_llama_config: true,
  max_position_embeddings: 8192,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_interleaved: false,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.42.3',
  use_cache: true,
  vocab_size: 49152,
};

/** Qwen/Qwen3-0.6B config.json, as published. */
const qwen3Json = {
  architectures: ['Qwen3ForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 1024,
  initializer_range: 0.02,
  intermediate_size: 3072,
  max_position_embeddings: 40960,
  max_window_layers: 28,
  model_type: 'qwen3',
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.51.0',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/** meta-llama/Llama-3.2-1B-Instruct config.json, as published. */
const llama32Json = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: {
    factor: 32.0,
    high_freq_factor: 4.0,
    low_freq_factor: 1.0,
    original_max_position_embeddings: 8192,
    rope_type: 'llama3',
  },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.45.0.dev0',
  use_cache: true,
  vocab_size: 128256,
};

describe('DecoderConfig', () => {
  it('fills every default', () => {
    const config = new DecoderConfig();
    expect(config.toJSON()).toEqual({
      architectures: [],
      modelType: '',
      hiddenSize: 4096,
      numAttentionHeads: 32,
      numKeyValueHeads: 32,
      numHiddenLayers: 32,
      intermediateSize: 11008,
      vocabSize: 32000,
      maxPositionEmbeddings: 4096,
      headDim: 128,
      rmsNormEps: 1e-6,
      ropeTheta: 10000,
      ropeScaling: null,
      tieWordEmbeddings: false,
      bosTokenId: 1,
      eosTokenId: 2,
      padTokenId: null,
      dtype: 'float32',
      maxContextLength: 4096,
      numThreads: 0,
      maxBatchSize: 16,
      executionProvider: 'cpu',
      memoryBudgetGb: null,
    });
    expect(config.source).toBeUndefined();
    expect(config.huggingFace).toBeUndefined();
  });

  it('derives headDim, numKeyValueHeads and maxContextLength from the fields they depend on', () => {
    const config = new DecoderConfig({ hiddenSize: 576, numAttentionHeads: 9, maxPositionEmbeddings: 8192 });
    expect([config.headDim, config.numKeyValueHeads, config.maxContextLength]).toEqual([64, 9, 8192]);
    const explicit = new DecoderConfig({
      hiddenSize: 1024,
      numAttentionHeads: 16,
      headDim: 128,
      numKeyValueHeads: 8,
      maxContextLength: 512,
    });
    expect([explicit.headDim, explicit.numKeyValueHeads, explicit.maxContextLength]).toEqual([128, 8, 512]);
  });

  it('lists every bad field at once, each with its value and rule', () => {
    const build = () =>
      new DecoderConfig({
        hiddenSize: -64,
        numAttentionHeads: 2.5,
        numHiddenLayers: '30' as unknown as number,
        rmsNormEps: 2,
        tieWordEmbeddings: 'yes' as unknown as boolean,
        eosTokenId: [-1],
        dtype: 'fp8' as unknown as 'float32',
        numThreads: -1,
        executionProvider: 'tpu' as unknown as 'cpu',
        ropeScaling: { ropeType: 'ntk', factor: 0 } as never,
      });
    expect(issuesOf(build)).toEqual([
      ['hiddenSize', -64, 'must be > 0'],
      ['numAttentionHeads', 2.5, 'must be an integer'],
      ['numHiddenLayers', '30', 'must be a number'],
      ['rmsNormEps', 2, 'must be <= 1'],
      ['ropeScaling.ropeType', 'ntk', 'must be one of default, linear, dynamic, llama3, yarn'],
      ['ropeScaling.factor', 0, 'must be > 0'],
      ['tieWordEmbeddings', 'yes', 'must be true or false'],
      ['eosTokenId.0', -1, 'must be >= 0'],
      ['dtype', 'fp8', 'must be one of float32, float16, int8, int4'],
      ['numThreads', -1, 'must be >= 0'],
      ['executionProvider', 'tpu', 'must be one of cpu, cuda, webgpu, coreml, dml'],
    ]);
    expect(() => build()).toThrow(/^Invalid DecoderConfig: 11 problems\n {2}- hiddenSize = -64: must be > 0\n/);
  });

  it('checks the rules that span fields, all at once', () => {
    expect(
      issuesOf(
        () =>
          new DecoderConfig({
            numAttentionHeads: 32,
            numKeyValueHeads: 5,
            maxPositionEmbeddings: 2048,
            maxContextLength: 4096,
            vocabSize: 1000,
            bosTokenId: 1000,
            padTokenId: 5000,
            eosTokenId: [2, 1001],
          }),
      ),
    ).toEqual([
      ['numKeyValueHeads', 5, 'must divide numAttentionHeads (32)'],
      ['maxContextLength', 4096, 'must be <= maxPositionEmbeddings (2048)'],
      ['bosTokenId', 1000, 'must be < vocabSize (1000)'],
      ['padTokenId', 5000, 'must be < vocabSize (1000)'],
      ['eosTokenId', [2, 1001], 'every id must be < vocabSize (1000)'],
    ]);
  });

  it('rejects a head width that is odd or not an integer', () => {
    expect(issuesOf(() => new DecoderConfig({ hiddenSize: 100, numAttentionHeads: 3 }))).toEqual([
      ['headDim', 100 / 3, 'hiddenSize (100) is not divisible by numAttentionHeads (3); set headDim explicitly'],
    ]);
    expect(issuesOf(() => new DecoderConfig({ hiddenSize: 60, numAttentionHeads: 4 }))).toEqual([
      ['headDim', 15, 'must be even (rotary embeddings rotate pairs of channels)'],
    ]);
    expect(issuesOf(() => new DecoderConfig({ headDim: 63 }))).toEqual([
      ['headDim', 63, 'must be even (rotary embeddings rotate pairs of channels)'],
    ]);
    // An explicit even headDim makes an indivisible hiddenSize fine (Qwen3 does this).
    expect(new DecoderConfig({ hiddenSize: 100, numAttentionHeads: 3, headDim: 64 }).headDim).toBe(64);
  });

  it('needs every llama3 rope scaling field, with highFreqFactor > lowFreqFactor', () => {
    expect(issuesOf(() => new DecoderConfig({ ropeScaling: { ropeType: 'llama3', factor: 8 } }))).toEqual([
      [
        'ropeScaling',
        { ropeType: 'llama3', factor: 8 },
        'llama3 scaling needs lowFreqFactor, highFreqFactor and originalMaxPositionEmbeddings',
      ],
    ]);
    const inverted = {
      ropeType: 'llama3',
      factor: 8,
      lowFreqFactor: 4,
      highFreqFactor: 1,
      originalMaxPositionEmbeddings: 8192,
    } as const;
    expect(issuesOf(() => new DecoderConfig({ ropeScaling: inverted }))).toEqual([
      ['ropeScaling', inverted, 'highFreqFactor must be > lowFreqFactor'],
    ]);
    expect(new DecoderConfig({ ropeScaling: { ropeType: 'linear', factor: 2 } }).ropeScaling).toEqual({
      ropeType: 'linear',
      factor: 2,
    });
  });

  it('says what an EOS id of the wrong type should be', () => {
    expect(issuesOf(() => new DecoderConfig({ eosTokenId: 'eos' as unknown as number }))).toEqual([
      ['eosTokenId', 'eos', 'must be a token id or a list of them'],
    ]);
  });

  it('gives the EOS ids as a list', () => {
    expect(new DecoderConfig({ eosTokenId: 7 }).eosTokenIds).toEqual([7]);
    expect(new DecoderConfig({ eosTokenId: [7, 8] }).eosTokenIds).toEqual([7, 8]);
    expect(new DecoderConfig({ eosTokenId: null }).eosTokenIds).toEqual([]);
  });

  describe('fromHuggingFace', () => {
    it('reads SmolLM2-135M', () => {
      const config = DecoderConfig.fromHuggingFace(smolLm2Json, {}, '/models/SmolLM2-135M/config.json');
      expect(config.toJSON()).toEqual({
        architectures: ['LlamaForCausalLM'],
        modelType: 'llama',
        hiddenSize: 576,
        numAttentionHeads: 9,
        numKeyValueHeads: 3,
        numHiddenLayers: 30,
        intermediateSize: 1536,
        vocabSize: 49152,
        maxPositionEmbeddings: 8192,
        headDim: 64,
        rmsNormEps: 1e-5,
        ropeTheta: 100000,
        ropeScaling: null,
        tieWordEmbeddings: true,
        bosTokenId: 0,
        eosTokenId: 0,
        padTokenId: null,
        dtype: 'float32',
        maxContextLength: 8192,
        numThreads: 0,
        maxBatchSize: 16,
        executionProvider: 'cpu',
        memoryBudgetGb: null,
      });
      expect(config.source).toBe('/models/SmolLM2-135M/config.json');
      expect(config.huggingFace).toBe(smolLm2Json);
    });

    it('reads Qwen3-0.6B, whose head_dim is not hidden_size / heads, with runtime overrides', () => {
      const config = DecoderConfig.fromHuggingFace(qwen3Json, { dtype: 'int4', maxContextLength: 2048, numThreads: 2 });
      expect(config).toMatchObject({
        architectures: ['Qwen3ForCausalLM'],
        modelType: 'qwen3',
        hiddenSize: 1024,
        numHiddenLayers: 28,
        numAttentionHeads: 16,
        numKeyValueHeads: 8,
        headDim: 128,
        intermediateSize: 3072,
        vocabSize: 151936,
        ropeTheta: 1000000,
        tieWordEmbeddings: true,
        rmsNormEps: 1e-6,
        maxPositionEmbeddings: 40960,
        bosTokenId: 151643,
        eosTokenId: 151645,
        ropeScaling: null,
        dtype: 'int4',
        maxContextLength: 2048,
        numThreads: 2,
      });
    });

    it('reads Llama-3.2 llama3 rope scaling', () => {
      const config = DecoderConfig.fromHuggingFace(llama32Json);
      expect(config.ropeScaling).toEqual({
        ropeType: 'llama3',
        factor: 32,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositionEmbeddings: 8192,
      });
      expect(config.eosTokenIds).toEqual([128001, 128008, 128009]);
      // 131072 positions declared; the context run defaults to the cap (defaultContextLengthCap).
      expect([config.headDim, config.numKeyValueHeads, config.maxContextLength]).toEqual([64, 8, 32768]);
      expect(DecoderConfig.fromHuggingFace(llama32Json, { maxContextLength: 131072 }).maxContextLength).toBe(131072);
    });

    it('defaults maxContextLength to max_position_embeddings capped at 32768, so absurd position counts stay cheap', () => {
      expect(defaultContextLengthCap).toBe(32768);
      for (const [declared, context] of [
        [2048, 2048],
        [32768, 32768],
        [40960, 32768],
        [1e7, 32768],
        [1e12, 32768],
      ] as const) {
        const config = DecoderConfig.fromHuggingFace({ ...smolLm2Json, max_position_embeddings: declared });
        expect([config.maxPositionEmbeddings, config.maxContextLength]).toEqual([declared, context]);
      }
      // An explicit context (the CLI's --context) is kept, up to max_position_embeddings.
      const explicit = DecoderConfig.fromHuggingFace(
        { ...smolLm2Json, max_position_embeddings: 1e12 },
        { maxContextLength: 65536 },
      );
      expect(explicit.maxContextLength).toBe(65536);
    });

    it('refuses position counts beyond Number.MAX_SAFE_INTEGER and fractions, naming the config.json key', () => {
      const source = '/models/x/config.json';
      const tooBig = `must be an integer of at most ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER)`;
      for (const [value, rule] of [
        [1e20, tooBig],
        [2 ** 53, tooBig],
        [4096.5, 'must be an integer'],
      ] as const) {
        let error: unknown;
        try {
          DecoderConfig.fromHuggingFace({ ...smolLm2Json, max_position_embeddings: value }, {}, source);
        } catch (e) {
          error = e;
        }
        expect(ConfigError.isInstance(error)).toBe(true);
        expect((error as ConfigError).issues).toEqual([
          { field: 'maxPositionEmbeddings', value, rule: `${rule} (config.json key "max_position_embeddings")` },
        ]);
      }
    });

    it('reads the older rope_scaling "type" key', () => {
      const config = DecoderConfig.fromHuggingFace({ ...smolLm2Json, rope_scaling: { type: 'linear', factor: 4 } });
      expect(config.ropeScaling).toEqual({ ropeType: 'linear', factor: 4 });
    });

    it('reads and writes back every yarn field (DeepSeek-V3 style), null optionals read as absent', () => {
      const ropeScaling = {
        rope_type: 'yarn',
        factor: 40,
        original_max_position_embeddings: 4096,
        beta_fast: 32,
        beta_slow: 1,
        mscale: 1,
        mscale_all_dim: 1,
        attention_factor: null,
      };
      const config = DecoderConfig.fromHuggingFace({
        ...smolLm2Json,
        max_position_embeddings: 163840,
        rope_scaling: ropeScaling,
      });
      expect(config.ropeScaling).toEqual({
        ropeType: 'yarn',
        factor: 40,
        originalMaxPositionEmbeddings: 4096,
        betaFast: 32,
        betaSlow: 1,
        mscale: 1,
        mscaleAllDim: 1,
      });
      expect(config.toHuggingFace().rope_scaling).toEqual(ropeScaling);
      expect(() =>
        DecoderConfig.fromHuggingFace({
          ...smolLm2Json,
          rope_scaling: { rope_type: 'yarn', factor: 4, beta_fast: 1, beta_slow: 2 },
        }),
      ).toThrow(/yarn betaFast \(1\) must be > betaSlow \(2\)/);
    });

    it('names the config.json key of every bad value, and the file', () => {
      const json = {
        ...smolLm2Json,
        num_key_value_heads: 4,
        vocab_size: -1,
        rope_scaling: { rope_type: 'llama3', factor: 8 },
      };
      expect(issuesOf(() => DecoderConfig.fromHuggingFace(json))).toEqual([
        ['vocabSize', -1, 'must be > 0 (config.json key "vocab_size")'],
      ]);
      const crossField = { ...smolLm2Json, num_key_value_heads: 4, rope_scaling: { rope_type: 'llama3', factor: 8 } };
      expect(issuesOf(() => DecoderConfig.fromHuggingFace(crossField, { numThreads: 1 }, '/m/config.json'))).toEqual([
        ['numKeyValueHeads', 4, 'must divide numAttentionHeads (9) (config.json key "num_key_value_heads")'],
        [
          'ropeScaling',
          { ropeType: 'llama3', factor: 8 },
          'llama3 scaling needs lowFreqFactor, highFreqFactor and originalMaxPositionEmbeddings (config.json key "rope_scaling")',
        ],
      ]);
      expect(() => DecoderConfig.fromHuggingFace(crossField, {}, '/m/config.json')).toThrow(
        'Invalid DecoderConfig (from /m/config.json): 2 problems',
      );
      // A runtime field is not from config.json, so no key is named for it.
      expect(issuesOf(() => DecoderConfig.fromHuggingFace(smolLm2Json, { maxContextLength: 9000 }))).toEqual([
        ['maxContextLength', 9000, 'must be <= maxPositionEmbeddings (8192)'],
      ]);
    });
  });

  describe('round trips', () => {
    it('new DecoderConfig(config.toJSON()) equals the config', () => {
      for (const json of [smolLm2Json, qwen3Json, llama32Json]) {
        const config = DecoderConfig.fromHuggingFace(json, { dtype: 'int4', memoryBudgetGb: 2 });
        const copy = new DecoderConfig(config.toJSON());
        expect(copy).toEqual(config);
        expect(copy.toJSON()).toEqual(config.toJSON());
      }
    });

    it('toJSON is a deep copy', () => {
      const config = DecoderConfig.fromHuggingFace(llama32Json);
      const json = config.toJSON();
      (json.eosTokenId as number[]).push(1);
      expect(config.eosTokenId).toEqual([128001, 128008, 128009]);
    });

    it('toHuggingFace keeps the keys it does not know and writes back the ones it does', () => {
      const smol = DecoderConfig.fromHuggingFace(smolLm2Json).toHuggingFace();
      expect(smol).toEqual({ ...smolLm2Json, head_dim: 64, pad_token_id: null });
      expect(DecoderConfig.fromHuggingFace(llama32Json).toHuggingFace()).toEqual({
        ...llama32Json,
        pad_token_id: null,
      });
      expect(DecoderConfig.fromHuggingFace(qwen3Json).toHuggingFace()).toEqual({ ...qwen3Json, pad_token_id: null });
      // Changed values are written back; runtime fields stay out.
      const changed = new DecoderConfig({
        ...DecoderConfig.fromHuggingFace(smolLm2Json).toJSON(),
        numHiddenLayers: 2,
      }).toHuggingFace();
      expect(changed.num_hidden_layers).toBe(2);
      expect(changed).not.toHaveProperty('dtype');
      expect(changed).not.toHaveProperty('max_context_length');
    });

    it('fromHuggingFace(toHuggingFace()) gives an equal config', () => {
      for (const json of [smolLm2Json, qwen3Json, llama32Json]) {
        const config = DecoderConfig.fromHuggingFace(json);
        expect(DecoderConfig.fromHuggingFace(config.toHuggingFace())).toEqual(config);
      }
    });
  });

  describe('subclasses', () => {
    const testSchema = defineDecoderConfigSchema(
      {
        attentionBias: z.boolean({ error: 'must be true or false' }).default(false),
        slidingWindow: z.number().int().positive({ error: 'must be > 0' }).nullable().default(null),
      },
      (config, ctx) => {
        if (config.slidingWindow !== null && config.slidingWindow > config.maxContextLength) {
          ctx.addIssue({
            code: 'custom',
            path: ['slidingWindow'],
            message: `must be <= maxContextLength (${config.maxContextLength})`,
            input: config.slidingWindow,
          });
        }
      },
    );

    class TestConfig extends DecoderConfig {
      static override readonly schema: ConfigSchema = testSchema;
      static override readonly huggingFaceKeys = {
        ...DecoderConfig.huggingFaceKeys,
        attentionBias: 'attention_bias',
        slidingWindow: 'sliding_window',
      };
      declare readonly attentionBias: boolean;
      declare readonly slidingWindow: number | null;
    }

    it('have their own fields, defaults and base rules', () => {
      const config = new TestConfig({ hiddenSize: 64, numAttentionHeads: 4 });
      expect(config).toBeInstanceOf(TestConfig);
      expect([config.attentionBias, config.slidingWindow, config.headDim]).toEqual([false, null, 16]);
      expect(config.toJSON()).toMatchObject({ attentionBias: false, slidingWindow: null, hiddenSize: 64 });
      expect(new TestConfig(config.toJSON())).toEqual(config);
    });

    it('validate their own fields together with the base ones, under their own name', () => {
      const build = () =>
        new TestConfig({ attentionBias: 'no' as unknown as boolean, numKeyValueHeads: 3, slidingWindow: 9000 });
      expect(issuesOf(build)).toEqual([['attentionBias', 'no', 'must be true or false']]);
      expect(issuesOf(() => new TestConfig({ numKeyValueHeads: 3, slidingWindow: 9000 }))).toEqual([
        ['numKeyValueHeads', 3, 'must divide numAttentionHeads (32)'],
        ['slidingWindow', 9000, 'must be <= maxContextLength (4096)'],
      ]);
      expect(build).toThrow(/^Invalid TestConfig: 1 problem\n/);
    });

    it('build themselves from Hugging Face configs, mapping their own keys', () => {
      const config = TestConfig.fromHuggingFace({ ...qwen3Json, attention_bias: true, sliding_window: 4096 });
      expect(config).toBeInstanceOf(TestConfig);
      expect([config.attentionBias, config.slidingWindow, config.headDim]).toEqual([true, 4096, 128]);
      expect(config.toHuggingFace()).toMatchObject({ attention_bias: true, sliding_window: 4096 });
      expect(issuesOf(() => TestConfig.fromHuggingFace({ ...qwen3Json, sliding_window: 0 }))).toEqual([
        ['slidingWindow', 0, 'must be > 0 (config.json key "sliding_window")'],
      ]);
      // The base class does not know the subclass's keys.
      expect(DecoderConfig.fromHuggingFace({ ...qwen3Json, sliding_window: 4096 })).not.toHaveProperty('slidingWindow');
    });
  });
});

describe('DecoderConfig size estimates', () => {
  it('counts the parameters of SmolLM2-135M and Qwen3-0.6B as published', () => {
    const smol = DecoderConfig.fromHuggingFace({
      hidden_size: 576,
      intermediate_size: 1536,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      num_hidden_layers: 30,
      vocab_size: 49152,
      max_position_embeddings: 8192,
      tie_word_embeddings: true,
    });
    expect(smol.estimateParameters()).toBe(134515008);
    const qwen = DecoderConfig.fromHuggingFace({
      hidden_size: 1024,
      intermediate_size: 3072,
      num_attention_heads: 16,
      num_key_value_heads: 8,
      head_dim: 128,
      num_hidden_layers: 28,
      vocab_size: 151936,
      max_position_embeddings: 40960,
      tie_word_embeddings: true,
    });
    // Qwen3 adds q_norm and k_norm (2 × 128 per layer) to the dense count.
    expect(qwen.estimateParameters() + 28 * 256).toBe(596049920);
    expect(smol.kvCacheBytes(1024)).toBe(2 * 30 * 1024 * 192 * 4);
  });
});
