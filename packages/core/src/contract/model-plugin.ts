import type { BaseConfig } from '../config/base-config.js';
import type { RuntimeFields } from '../config/base-config-schema.js';
import type { PluginMetadata } from './plugin-metadata.js';

/** The contract version this `@pio/core` defines. Plugins state it; the host checks it. */
export type SpecificationVersion = 'v1';

/** Every contract version this host can load. */
export const supportedSpecificationVersions: readonly SpecificationVersion[] = ['v1'];

/**
 * A step of long work (reading weights, building a graph, creating a session),
 * reported through {@link PluginInitializeOptions.onProgress} so a CLI can draw
 * a progress bar.
 */
export interface ProgressEvent {
  /** What is happening, for example `read-weights`, `build-graph`, `create-session`. */
  phase: string;
  /** Units done so far (bytes, tensors, layers; see `unit`). */
  completed: number;
  /** Units in all, or 0 when unknown. */
  total: number;
  /** What the units are, for example `bytes` or `tensors`. */
  unit?: string;
  /** A short human message. */
  message?: string;
}

/** Receives {@link ProgressEvent}s. Must not throw. */
export type ProgressCallback = (event: ProgressEvent) => void;

/** What {@link ModelPlugin.initialize} is given. */
export interface PluginInitializeOptions {
  /**
   * A Hugging Face checkpoint folder (`config.json`, `*.safetensors`,
   * `tokenizer.json`, ...). Either this or `config` is needed.
   */
  checkpoint?: string;
  /**
   * A config to build the model from: a {@link BaseConfig} (or subclass), or
   * the parsed object of a Hugging Face `config.json`. Overrides the
   * checkpoint's `config.json` when both are given.
   */
  config?: BaseConfig | Record<string, unknown>;
  /** Runtime settings (dtype, threads, context length, ...) over the config's defaults. */
  runtime?: Partial<RuntimeFields>;
  /** Folder for build artifacts (built graphs); a plugin picks a default when absent. */
  cacheDir?: string;
  /** Progress of long work. */
  onProgress?: ProgressCallback;
  /** Cancels initialization; the plugin then throws the signal's reason. */
  signal?: AbortSignal;
}

/** Whether a plugin can run a config, and if not, why (and which field, when one is to blame). */
export type ConfigSupport = { supported: true } | { supported: false; reason: string; field?: string };

/** What {@link ModelPlugin.loadModel} reports about the model it loaded. */
export interface LoadedModelInfo {
  /** The config the model runs with, runtime fields included. */
  config: BaseConfig;
  /** Number of parameters in the loaded weights. */
  parameters: number;
  /** Bytes of weights held by the runtime. */
  weightBytes: number;
  /** Milliseconds spent loading (reading weights, building or reading the graph, creating the session). */
  loadMs: number;
  /** True when a cached build was used instead of building anew. */
  fromCache: boolean;
}

/**
 * The v1 model plugin contract every `@pio/model-*` package implements.
 *
 * Lifecycle: the host imports the plugin's entry point, calls its factory,
 * checks {@link ModelPlugin.specificationVersion}, then calls
 * {@link ModelPlugin.initialize}. When done it calls {@link ModelPlugin.cleanup}
 * (or uses `await using`). Every failure throws a `PioError` subclass; no
 * method reports failure by returning `false`.
 *
 * @typeParam TInput - what {@link ModelPlugin.infer} takes.
 * @typeParam TOutput - what {@link ModelPlugin.infer} returns.
 */
export interface ModelPlugin<TInput = unknown, TOutput = unknown> extends AsyncDisposable {
  /** The contract version this plugin implements. The host refuses versions it does not know. */
  readonly specificationVersion: SpecificationVersion;

  /** Name, version and manifest data of the plugin package. */
  readonly metadata: PluginMetadata;

  /** True between a successful {@link ModelPlugin.initialize} and {@link ModelPlugin.cleanup}. */
  readonly isLoaded: boolean;

  /**
   * Makes the plugin ready: reads the checkpoint or config, the tokenizer, and
   * loads the model (through {@link ModelPlugin.loadModel}). Calling it again
   * replaces what was loaded.
   *
   * @throws CheckpointError, ConfigError, or a plugin-specific PioError.
   */
  initialize(options: PluginInitializeOptions): Promise<void>;

  /**
   * Loads (or reloads) the model with `config`, or with the config given to
   * {@link ModelPlugin.initialize} when omitted.
   *
   * @throws ConfigError when the config does not fit the weights or the plugin.
   */
  loadModel(config?: BaseConfig): Promise<LoadedModelInfo>;

  /**
   * Runs the model once on `input`.
   *
   * @throws PluginStateError before initialize or after cleanup.
   */
  infer(input: TInput): Promise<TOutput>;

  /**
   * Whether this plugin can run `config` (a {@link BaseConfig} or a parsed
   * Hugging Face `config.json`). Never throws; says why not.
   */
  supportsConfig(config: unknown): ConfigSupport;

  /** Releases sessions, buffers and file handles. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** What a plugin factory receives from the host. */
export interface PluginFactoryContext {
  /** Metadata from the plugin's own package.json, already validated. */
  metadata: PluginMetadata;
  /** Absolute path of the plugin's package folder. */
  packageDir: string;
}

/**
 * The function a plugin package exports under the name its manifest's
 * `entryPoint.factory` gives. It creates a plugin without loading anything.
 */
export type PluginFactory<TPlugin extends ModelPlugin = ModelPlugin> = (
  context: PluginFactoryContext,
) => TPlugin | Promise<TPlugin>;
