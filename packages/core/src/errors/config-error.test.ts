import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { PioError } from './pio-error.js';

describe('ConfigError', () => {
  const issues = [
    { field: 'hiddenSize', value: -1, rule: 'must be > 0' },
    { field: 'dtype', value: 'fp8', rule: 'must be one of float32, float16, int8, int4' },
    { field: 'eosTokenId', value: [1, 2], rule: 'every id must be < vocabSize (2)' },
    { field: 'numKeyValueHeads', value: undefined, rule: 'must divide numAttentionHeads (9)' },
  ];

  it('lists every issue with its value and rule, counted', () => {
    const error = new ConfigError({ configName: 'LlamaConfig', issues });
    expect(error.code).toBe('PIO_CONFIG_INVALID');
    expect(error.message).toBe(
      [
        'Invalid LlamaConfig: 4 problems',
        '  - hiddenSize = -1: must be > 0',
        '  - dtype = "fp8": must be one of float32, float16, int8, int4',
        '  - eosTokenId = [1,2]: every id must be < vocabSize (2)',
        '  - numKeyValueHeads = undefined: must divide numAttentionHeads (9)',
        'Fix these values in the options you pass.',
      ].join('\n'),
    );
    expect(error.issues).toEqual(issues);
    expect(error.configName).toBe('LlamaConfig');
    expect(error.source).toBeUndefined();
  });

  it('names the source file and says to fix it there', () => {
    const error = new ConfigError({
      configName: 'BaseConfig',
      source: '/models/x/config.json',
      issues: [{ field: 'vocabSize', value: 0, rule: 'must be > 0' }],
    });
    expect(error.message).toBe(
      'Invalid BaseConfig (from /models/x/config.json): 1 problem\n' +
        '  - vocabSize = 0: must be > 0\n' +
        'Fix these values in /models/x/config.json, or override them in the options you pass.',
    );
    expect(error.source).toBe('/models/x/config.json');
  });

  it('shortens long values and survives values JSON cannot show', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = new ConfigError({
      configName: 'BaseConfig',
      issues: [
        { field: 'architectures', value: ['x'.repeat(200)], rule: 'too long' },
        { field: 'ropeScaling', value: cyclic, rule: 'cyclic' },
      ],
    });
    const [long, cyclicLine] = error.message.split('\n').slice(1, 3);
    expect(long).toBe(`  - architectures = ${JSON.stringify(['x'.repeat(200)]).slice(0, 77)}...: too long`);
    expect(cyclicLine).toBe('  - ropeScaling = [object Object]: cyclic');
  });

  it('is recognized by ConfigError.isInstance and PioError.isInstance, also from another copy', () => {
    const error = new ConfigError({ configName: 'BaseConfig', issues });
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(PioError.isInstance(error)).toBe(true);
    const foreign = Object.assign(new Error('other copy'), {
      [Symbol.for('pio.error')]: true,
      [Symbol.for('pio.error.ConfigError')]: true,
    });
    expect(ConfigError.isInstance(foreign)).toBe(true);
    expect(ConfigError.isInstance(new Error('plain'))).toBe(false);
    expect(ConfigError.isInstance(new PioError({ code: 'PIO_CONFIG_INVALID', message: 'same code' }))).toBe(false);
  });
});
