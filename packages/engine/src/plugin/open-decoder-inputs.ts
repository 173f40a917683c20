import { BaseConfig, type DecoderConfig, type PluginInitializeOptions } from '@pio/core';
import { decoderConfigInstance } from './decoder-config-instance.js';
import type { ConfigClass } from './decoder-model-definition.js';
import { type DecoderCheckpoint, openDecoderCheckpoint } from './open-decoder-checkpoint.js';
import { pluginStateError } from './plugin-state-errors.js';

/** What {@link openDecoderInputs} made of a plugin's initialize options. */
export interface DecoderInputs<TConfig extends DecoderConfig> {
  /** The validated config, runtime fields included (not yet checked against the plugin: see `supportsConfig`). */
  config: TConfig;
  /** What was read of the checkpoint besides the config; `undefined` for a config alone (no weights, no tokenizer). */
  checkpoint: Omit<DecoderCheckpoint<TConfig>, 'config'> | undefined;
}

/**
 * The config and checkpoint of `initialize(options)`: with a checkpoint,
 * everything but its weights (see {@link openDecoderCheckpoint}), the
 * checkpoint's config.json overridden by `options.config`; without one,
 * `options.config` alone (a BaseConfig as is, or config.json keys parsed by
 * `configClass` with the runtime options).
 *
 * @throws PluginStateError when the options have neither a checkpoint nor a config.
 * @throws CheckpointError, ConfigError as {@link openDecoderCheckpoint} and the config class do.
 */
export async function openDecoderInputs<TConfig extends DecoderConfig>(
  options: PluginInitializeOptions,
  configClass: ConfigClass<TConfig>,
  pluginName: string,
): Promise<DecoderInputs<TConfig>> {
  const runtime = (options.runtime ?? {}) as Record<string, unknown>;
  if (options.checkpoint) {
    const { config, ...checkpoint } = await openDecoderCheckpoint(options.checkpoint, {
      configClass,
      config: options.config,
      runtime,
    });
    return { config, checkpoint };
  }
  if (!options.config) throw pluginStateError(pluginName, 'nothingToInitialize');
  const config =
    options.config instanceof BaseConfig
      ? decoderConfigInstance<TConfig>(options.config, configClass.name)
      : configClass.fromHuggingFace(options.config, runtime);
  return { config, checkpoint: undefined };
}
