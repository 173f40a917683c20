import { BaseConfig, ConfigError, DecoderConfig } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { pluginConfigSupport, unsupportedConfigError } from './plugin-config-support.js';

const metadata = { name: '@pio/model-fake', architectures: ['FakeForCausalLM'], modelTypes: ['fake'] };
const definition = { configClass: DecoderConfig };

describe('pluginConfigSupport', () => {
  it('runs a config of a listed architecture or model type', () => {
    expect(pluginConfigSupport({ architectures: ['FakeForCausalLM'] }, metadata, definition)).toEqual({
      supported: true,
    });
    expect(pluginConfigSupport(new DecoderConfig({ modelType: 'fake' }), metadata, definition)).toEqual({
      supported: true,
    });
  });

  it('names what it runs when the architecture is another', () => {
    const support = pluginConfigSupport(
      { architectures: ['OtherForCausalLM'], model_type: 'other' },
      metadata,
      definition,
    );
    expect(support).toEqual({
      supported: false,
      reason:
        '@pio/model-fake runs architectures [FakeForCausalLM] / model types [fake], not [OtherForCausalLM] / "other"',
    });
  });

  it('takes any architecture with "*"', () => {
    const any = { ...metadata, architectures: ['*'] };
    expect(pluginConfigSupport({ architectures: ['OtherForCausalLM'] }, any, definition).supported).toBe(true);
  });

  it('refuses what is not a config, and a config that does not parse, without throwing', () => {
    expect(pluginConfigSupport([1], metadata, definition)).toEqual({
      supported: false,
      reason: 'a config must be a DecoderConfig or a config.json object',
    });
    const bad = pluginConfigSupport({ architectures: ['FakeForCausalLM'], vocab_size: -1 }, metadata, definition);
    expect(bad.supported).toBe(false);
  });

  it('refuses a config of another kind (no decoder sizes) instead of building from defaults', () => {
    const support = pluginConfigSupport(new BaseConfig({ modelType: 'fake' }), metadata, definition);
    expect(support.supported).toBe(false);
    expect(!support.supported && support.reason).toContain(
      'a decoder model needs a DecoderConfig (or a config.json object), not a BaseConfig',
    );
  });

  it("ends with the definition's own check", () => {
    const picky = {
      ...definition,
      supportsConfig: () => ({ supported: false as const, reason: 'no', field: 'hiddenSize' }),
    };
    expect(pluginConfigSupport({ architectures: ['FakeForCausalLM'] }, metadata, picky)).toEqual({
      supported: false,
      reason: 'no',
      field: 'hiddenSize',
    });
  });
});

describe('unsupportedConfigError', () => {
  it('names the field (architectures by default), its value, the reason and the source', () => {
    const config = new DecoderConfig({ architectures: ['OtherForCausalLM'] });
    const error = unsupportedConfigError(
      { supported: false, reason: 'not mine' },
      config,
      'FakeConfig',
      'a/config.json',
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('not mine');
    expect(error.message).toContain('a/config.json');
    expect(error.issues).toEqual([{ field: 'architectures', value: ['OtherForCausalLM'], rule: 'not mine' }]);
  });
});
