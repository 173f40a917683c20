import { join } from 'node:path';
import {
  BaseConfig,
  ConfigError,
  type ConfigSupport,
  type GenerateOptions,
  type GenerateTextResult,
  type LoadedModelInfo,
  PioError,
  type PluginFactory,
  type PluginFactoryContext,
  type PluginInitializeOptions,
  type PluginMetadata,
  PluginStateError,
  type Prompt,
  readCheckpointConfig,
  type TextInferInput,
  type TextInferOutput,
  type TextModelPlugin,
} from '@pio/core';
import { __Pascal__Config } from './config.js';

/**
 * The __displayName__ plugin (TextModelPlugin v1). Generated stub: it reads and
 * validates a checkpoint's config.json, and every step that needs the model
 * itself (loading weights, running the graph, the tokenizer) throws a
 * PioError with code `PIO_NOT_IMPLEMENTED` until it is filled in.
 */
export class __Pascal__Plugin implements TextModelPlugin {
  readonly specificationVersion = 'v1' as const;
  /** From the host: this package's manifest plus its name and version. */
  readonly metadata: PluginMetadata;
  /** This package's folder. */
  readonly packageDir: string;
  #config: __Pascal__Config | undefined;
  #loaded = false;

  /** Creates an uninitialized plugin; nothing is read until {@link __Pascal__Plugin.initialize}. */
  constructor(context: PluginFactoryContext) {
    this.metadata = context.metadata;
    this.packageDir = context.packageDir;
  }

  /** True once the model is loaded, until cleanup. */
  get isLoaded(): boolean {
    return this.#loaded;
  }

  /** The config read by the last initialize, or undefined. */
  get config(): __Pascal__Config | undefined {
    return this.#config;
  }

  /**
   * Reads the checkpoint's config.json (or takes `options.config`), checks it,
   * then loads the model.
   *
   * @throws CheckpointError when the checkpoint has no readable config.json; ConfigError for bad values.
   */
  async initialize(options: PluginInitializeOptions): Promise<void> {
    await this.cleanup();
    options.signal?.throwIfAborted();
    const config = await this.#readConfig(options);
    const support = this.supportsConfig(config);
    if (!support.supported) {
      throw new ConfigError({
        configName: '__Pascal__Config',
        issues: [{ field: 'modelType', value: config.modelType, rule: support.reason }],
        ...(config.source ? { source: config.source } : {}),
      });
    }
    this.#config = config;
    await this.loadModel(config);
    this.#loaded = true;
  }

  /** Loads the weights and builds the runtime model. */
  async loadModel(_config?: BaseConfig): Promise<LoadedModelInfo> {
    throw notImplemented(
      'loadModel',
      'read the checkpoint weights (@pio/safetensors), build the graph (@pio/onnx) and create the session',
    );
  }

  /** Logits of every position of `input.inputIds`. */
  async infer(_input: TextInferInput): Promise<TextInferOutput> {
    this.#requireLoaded('infer');
    throw notImplemented('infer', 'run the graph on the ids and return [sequenceLength, vocabSize] logits');
  }

  /** Whether this plugin runs `config` (a BaseConfig or a parsed config.json). Never throws. */
  supportsConfig(config: unknown): ConfigSupport {
    let parsed: BaseConfig;
    try {
      if (config instanceof BaseConfig) parsed = config;
      else if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
        parsed = __Pascal__Config.fromHuggingFace(config as Record<string, unknown>);
      } else {
        return { supported: false, reason: 'a config must be a BaseConfig or the object of a config.json' };
      }
    } catch (error) {
      return { supported: false, reason: (error as Error).message };
    }
    const { architectures, modelTypes } = this.metadata;
    const known =
      parsed.architectures.some((name) => architectures.includes(name)) ||
      (parsed.modelType !== '' && modelTypes.includes(parsed.modelType));
    if (!known) {
      return {
        supported: false,
        reason: `${this.metadata.name} runs architectures [${architectures.join(', ')}] / model types [${modelTypes.join(', ')}], not [${parsed.architectures.join(', ')}] / "${parsed.modelType}"`,
      };
    }
    return { supported: true };
  }

  /** Token ids of `text`. */
  tokenize(_text: string): number[] {
    this.#requireLoaded('tokenize');
    throw notImplemented('tokenize', "load the checkpoint's tokenizer.json in initialize and encode with it");
  }

  /** Text of `ids`. */
  detokenize(_ids: readonly number[]): string {
    this.#requireLoaded('detokenize');
    throw notImplemented('detokenize', 'decode with the tokenizer loaded in initialize');
  }

  /** Generates a completion of `prompt`. */
  async generateText(_prompt: Prompt, _options?: GenerateOptions): Promise<GenerateTextResult> {
    this.#requireLoaded('generateText');
    throw notImplemented('generateText', 'run prefill and decode steps with a sampler');
  }

  /** Releases what initialize loaded. Safe to call twice. */
  async cleanup(): Promise<void> {
    this.#config = undefined;
    this.#loaded = false;
  }

  /** Same as {@link __Pascal__Plugin.cleanup}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }

  async #readConfig(options: PluginInitializeOptions): Promise<__Pascal__Config> {
    const runtime = (options.runtime ?? {}) as Record<string, unknown>;
    if (options.config instanceof __Pascal__Config) return options.config;
    if (options.config instanceof BaseConfig) return new __Pascal__Config({ ...options.config.toJSON(), ...runtime });
    if (options.checkpoint) {
      // readCheckpointConfig throws a CheckpointError naming the file when it is missing or not JSON.
      const json = await readCheckpointConfig(options.checkpoint);
      const source = join(options.checkpoint, 'config.json');
      return __Pascal__Config.fromHuggingFace({ ...json, ...(options.config ?? {}) }, runtime, source);
    }
    if (options.config) return __Pascal__Config.fromHuggingFace(options.config, runtime);
    throw new PluginStateError({
      pluginName: this.metadata.name,
      reason: 'initialize() needs a checkpoint folder or a config',
      hint: 'Pass { checkpoint: "path/to/model" } (a Hugging Face folder) or { config }.',
    });
  }

  #requireLoaded(method: string): void {
    if (!this.#loaded) {
      throw new PluginStateError({ pluginName: this.metadata.name, reason: `${method}() needs a loaded model` });
    }
  }
}

function notImplemented(method: string, todo: string): PioError {
  return new PioError({
    code: 'PIO_NOT_IMPLEMENTED',
    message: `@pio/model-__name__: ${method}() is not implemented yet`,
    hint: `Fill in ${method}() in models/__name__/src/plugin.ts: ${todo}. See docs/model-authors.md.`,
  });
}

/** The factory named by this package's `pio.entryPoint`: creates an uninitialized plugin. */
export const create__Pascal__Plugin: PluginFactory<__Pascal__Plugin> = (context) => new __Pascal__Plugin(context);
