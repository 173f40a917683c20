import { type BaseConfig, ConfigError, DecoderConfig } from '@pio/core';

/**
 * `config` as the decoder config a decoder plugin runs: a {@link DecoderConfig}
 * (or subclass) as is. A config of another kind (a plain BaseConfig, a
 * remote model's) has no widths, heads or layers to build from: a
 * ConfigError says so instead of building from defaults.
 *
 * @param configName the plugin's config class name, e.g. `LlamaConfig`
 * @throws ConfigError when `config` is not a DecoderConfig.
 */
export function decoderConfigInstance<TConfig extends DecoderConfig>(config: BaseConfig, configName: string): TConfig {
  if (config instanceof DecoderConfig) return config as TConfig;
  throw new ConfigError({
    configName,
    issues: [
      {
        field: '(config)',
        value: config.constructor.name,
        rule: `a decoder model needs a DecoderConfig (or a config.json object), not a ${config.constructor.name}: it has no hidden size, heads or layers`,
      },
    ],
  });
}
