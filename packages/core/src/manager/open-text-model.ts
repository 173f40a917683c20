import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RuntimeFields } from '../config/base-config-schema.js';
import type { ProgressCallback } from '../contract/model-plugin.js';
import { isTextModelPlugin, type TextModelPlugin } from '../contract/text-model-plugin.js';
import type { HostInfo } from '../discovery/host-info.js';
import { CheckpointError } from '../errors/checkpoint-error.js';
import { NotATextModelError } from '../errors/not-a-text-model-error.js';
import { PluginManager } from './plugin-manager.js';
import { defaultLoadConditions } from './process-conditions.js';

/** What {@link openTextModel} opens and how. */
export interface OpenTextModelOptions {
  /**
   * The checkpoint: a Hugging Face folder, a `.gguf` file (or a folder holding
   * one), or a remote descriptor (`*.remote.json`, or a folder holding
   * `pio-remote.json`). Relative paths are resolved against the current directory.
   */
  checkpoint: string;
  /** Folders plugins are discovered from (see `discoverPlugins`). Default: the current directory. */
  roots?: readonly string[];
  /**
   * Export conditions plugin entry points are resolved with. Default:
   * {@link defaultLoadConditions} (this process's `--conditions`, then `import`, `default`).
   */
  conditions?: readonly string[];
  /** Runtime settings handed to the plugin (dtype, context length, threads, ...). */
  runtime?: Partial<RuntimeFields>;
  /** Where built graphs are cached; the plugin's default when absent. */
  cacheDir?: string;
  /** Called with the phases of loading (build, read, session), for progress displays. */
  onProgress?: ProgressCallback;
  /** Cancels the plugin's initialization (the plugin then throws the signal's reason). */
  signal?: AbortSignal;
  /** Host facts compatibility is checked against. Default: this process. */
  host?: HostInfo;
}

/** A text model ready to generate, and what owns it. Dispose it (or `close()`) to release it. */
export interface OpenedTextModel extends AsyncDisposable {
  /** The manager that activated the plugin; disposing it cleans the plugin up. */
  manager: PluginManager;
  /** The initialized plugin. */
  plugin: TextModelPlugin;
  /** The plugin package's name. */
  pluginName: string;
  /** The checkpoint, as an absolute path. */
  checkpoint: string;
  /** Milliseconds to discover, find, load and initialize. */
  loadMs: number;
  /** The context length in force (prompt plus generation), when the plugin tells. */
  contextLength?: number;
  /** Token ids are below this, when the plugin tells (its config's `vocab_size`). */
  vocabSize?: number;
  /** Releases the model (the same as disposing it); later calls do nothing. */
  close(): Promise<void>;
}

/** Context length and vocabulary size of a plugin, read from its contract fields or, failing those, its config. */
function modelLimits(plugin: TextModelPlugin): { contextLength?: number; vocabSize?: number } {
  const candidate = plugin as {
    contextLength?: unknown;
    vocabSize?: unknown;
    modelConfig?: { maxContextLength?: unknown; vocabSize?: unknown };
  };
  const contextLength = candidate.contextLength ?? candidate.modelConfig?.maxContextLength;
  const vocabSize = candidate.vocabSize ?? candidate.modelConfig?.vocabSize;
  return {
    ...(typeof contextLength === 'number' ? { contextLength } : {}),
    ...(typeof vocabSize === 'number' ? { vocabSize } : {}),
  };
}

/**
 * Opens a text model: discovers the installed plugins, finds the one for the
 * checkpoint (by format, architecture, `model_type`), activates it and checks
 * that it is a text model. The one opening sequence of the CLI, the server's
 * workers and `@pio/ai-sdk`.
 *
 * Allocates the model (weights, sessions, KV cache) through the plugin: release
 * it with `await using` or `close()`.
 *
 * ```ts
 * await using model = await openTextModel({ checkpoint: './SmolLM2-135M', runtime: { dtype: 'int4' } });
 * const { text } = await model.plugin.generateText('Once upon a time');
 * ```
 *
 * @throws CheckpointError when the checkpoint path does not exist.
 * @throws NoPluginForCheckpointError, IncompatiblePluginError, PluginLoadError, or what the plugin's `initialize` throws.
 * @throws NotATextModelError when the plugin found is not a text model (it is released first).
 */
export async function openTextModel(options: OpenTextModelOptions): Promise<OpenedTextModel> {
  const started = performance.now();
  const checkpoint = resolve(options.checkpoint);
  if (!(await stat(checkpoint).catch(() => undefined))) {
    throw new CheckpointError({
      file: checkpoint,
      reason: 'no such folder or file',
      hint: 'Give the path of a Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json), of a .gguf file or of a *.remote.json descriptor.',
    });
  }
  const manager = new PluginManager({
    ...(options.roots ? { roots: options.roots } : {}),
    ...(options.host ? { host: options.host } : {}),
    conditions: options.conditions ?? defaultLoadConditions(),
  });
  await manager.discover();
  const record = await manager.findForCheckpoint(checkpoint);
  const pluginName = record.metadata.name;
  const plugin = await manager.activate(pluginName, {
    checkpoint,
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!isTextModelPlugin(plugin)) {
    await manager[Symbol.asyncDispose]();
    throw new NotATextModelError({ pluginName, checkpoint });
  }
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= manager[Symbol.asyncDispose]();
    return closed;
  };
  return {
    manager,
    plugin,
    pluginName,
    checkpoint,
    loadMs: performance.now() - started,
    ...modelLimits(plugin),
    close,
    [Symbol.asyncDispose]: close,
  };
}
