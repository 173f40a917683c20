import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BaseConfig, type DecoderConfig, findGgufFile, readCheckpointConfig } from '@pio/core';
import { openGgufCheckpoint } from '../gguf/open-gguf-checkpoint.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { decoderConfigInstance } from './decoder-config-instance.js';
import type { ConfigClass } from './decoder-model-definition.js';
import { type GenerationDefaults, readGenerationConfig } from './generation-config.js';

/** What {@link openDecoderCheckpoint} read: everything but the weights. */
export interface DecoderCheckpoint<TConfig extends DecoderConfig> {
  /** The checkpoint (folder or GGUF path), absolute. */
  checkpoint: string;
  /** The GGUF file of the checkpoint, when it is one (see `findGgufFile` of core). */
  ggufFile: string | undefined;
  /** The dtype a GGUF runs at when none was asked for (its own precision); `undefined` when one was asked for. */
  ggufOwnDtype: string | undefined;
  /** Where the config came from, for messages: the GGUF file, or the folder's config.json. */
  configSource: string;
  /** The validated config, runtime fields included. */
  config: TConfig;
  /**
   * Builds the checkpoint's tokenizer (a GGUF's comes with its metadata).
   * For a folder it reads `tokenizer.json`, whose presence was checked: the
   * plugin calls it once its sessions exist, so the parsed JSON's garbage
   * and onnxruntime's loading peak do not add up (1B int4: peak RSS
   * 1242–1252 MiB tokenizer first, 1125–1145 MiB session first).
   *
   * @throws CheckpointError when tokenizer.json cannot be read or used.
   */
  loadTokenizer: () => Promise<TextTokenizer>;
  /** The checkpoint's generation defaults (`generation_config.json`, or the GGUF's EOS). */
  generationDefaults: GenerationDefaults;
}

/** What {@link openDecoderCheckpoint} is given besides the checkpoint. */
export interface OpenDecoderCheckpointOptions<TConfig extends DecoderConfig> {
  /** The model's config class. */
  configClass: ConfigClass<TConfig>;
  /** A config to use as is, or config.json keys that override the checkpoint's. */
  config?: BaseConfig | Record<string, unknown> | undefined;
  /** Runtime options (dtype, context length, threads, ...). */
  runtime: Record<string, unknown>;
}

/**
 * Reads a checkpoint's config and generation defaults, and says how to build its tokenizer: from the
 * metadata of a GGUF file, or from the JSON files of a Hugging Face folder.
 * A GGUF runs at its own precision unless the runtime asks for a dtype.
 * No weight is read.
 *
 * @throws CheckpointError when a file is missing or unreadable.
 * @throws ConfigError when the config is invalid (every bad key at once).
 */
export async function openDecoderCheckpoint<TConfig extends DecoderConfig>(
  path: string,
  options: OpenDecoderCheckpointOptions<TConfig>,
): Promise<DecoderCheckpoint<TConfig>> {
  const { configClass, runtime } = options;
  const checkpoint = resolve(path);
  const ggufFile = await findGgufFile(checkpoint);
  const gguf = ggufFile ? await openGgufCheckpoint(ggufFile) : undefined;
  const ggufOwnDtype = gguf && runtime.dtype === undefined ? gguf.defaultDtype : undefined;
  const json = gguf ? gguf.config : await readCheckpointConfig(checkpoint);
  const configSource = ggufFile ?? join(checkpoint, 'config.json');
  const config =
    options.config instanceof BaseConfig
      ? decoderConfigInstance<TConfig>(options.config, configClass.name)
      : configClass.fromHuggingFace(
          { ...json, ...(options.config ?? {}) },
          ggufOwnDtype !== undefined ? { ...runtime, dtype: ggufOwnDtype } : runtime,
          configSource,
        );
  let loadTokenizer: () => Promise<TextTokenizer>;
  if (gguf) {
    const { tokenizer } = gguf;
    loadTokenizer = async () => tokenizer;
  } else {
    // A missing tokenizer.json fails now, with fromCheckpoint's own error, not after a build.
    if (
      !(await access(join(checkpoint, 'tokenizer.json')).then(
        () => true,
        () => false,
      ))
    ) {
      await TextTokenizer.fromCheckpoint(checkpoint);
    }
    loadTokenizer = () => TextTokenizer.fromCheckpoint(checkpoint);
  }
  const generationDefaults = gguf ? gguf.generationDefaults : await readGenerationConfig(checkpoint);
  return { checkpoint, ggufFile, ggufOwnDtype, configSource, config, loadTokenizer, generationDefaults };
}
