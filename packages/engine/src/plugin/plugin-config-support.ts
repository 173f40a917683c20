import {
  BaseConfig,
  ConfigError,
  type ConfigSupport,
  type DecoderConfig,
  PioError,
  type PluginMetadata,
} from '@pio/core';
import { decoderConfigInstance } from './decoder-config-instance.js';
import type { DecoderModelDefinition } from './decoder-model-definition.js';

/**
 * Whether a plugin with `metadata` and `definition` runs `config` (a
 * DecoderConfig or a parsed config.json): the config must parse with the
 * definition's config class, name an architecture or model type of the
 * metadata (`'*'` takes any), and pass the definition's own `supportsConfig`.
 * Never throws: a config that does not parse is unsupported, with the parse
 * error's message as the reason.
 */
export function pluginConfigSupport<TConfig extends DecoderConfig>(
  config: unknown,
  metadata: Pick<PluginMetadata, 'name' | 'architectures' | 'modelTypes'>,
  definition: Pick<DecoderModelDefinition<TConfig>, 'configClass' | 'supportsConfig'>,
): ConfigSupport {
  let parsed: TConfig;
  try {
    if (config instanceof BaseConfig) parsed = decoderConfigInstance<TConfig>(config, definition.configClass.name);
    else if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
      parsed = definition.configClass.fromHuggingFace(config as Record<string, unknown>);
    } else return { supported: false, reason: 'a config must be a DecoderConfig or a config.json object' };
  } catch (error) {
    return { supported: false, reason: PioError.isInstance(error) ? error.message : String(error) };
  }
  const { architectures, modelTypes } = metadata;
  const known =
    architectures.includes('*') ||
    parsed.architectures.some((name) => architectures.includes(name)) ||
    (parsed.modelType !== '' && modelTypes.includes(parsed.modelType));
  if (!known) {
    return {
      supported: false,
      reason: `${metadata.name} runs architectures [${architectures.join(', ')}] / model types [${modelTypes.join(', ')}], not [${parsed.architectures.join(', ')}] / "${parsed.modelType}"`,
    };
  }
  return definition.supportsConfig?.(parsed) ?? { supported: true };
}

/**
 * The ConfigError for a config that `support` refused: the field to blame
 * (`architectures` when the support names none), its value and the reason.
 *
 * @param configName the config class's name, e.g. `LlamaConfig`
 * @param source the file the config came from, when there is one
 */
export function unsupportedConfigError(
  support: Extract<ConfigSupport, { supported: false }>,
  config: BaseConfig,
  configName: string,
  source?: string,
): ConfigError {
  const field = support.field ?? 'architectures';
  return new ConfigError({
    configName,
    issues: [{ field, value: (config as unknown as Record<string, unknown>)[field], rule: support.reason }],
    ...(source !== undefined ? { source } : {}),
  });
}
