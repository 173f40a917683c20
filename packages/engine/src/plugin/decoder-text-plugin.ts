import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type {
  BaseConfig,
  ChatMessage,
  ChatOptions,
  ConfigSupport,
  DecoderConfig,
  GenerateOptions,
  GenerateTextResult,
  GenerationDelta,
  LoadedModelInfo,
  PluginFactoryContext,
  PluginInitializeOptions,
  PluginMetadata,
  ProgressCallback,
  Prompt,
  TextInferInput,
  TextInferOutput,
  TextModelPlugin,
} from '@pio/core';

import { type GrammarSpec, grammarForResponseFormat } from '@pio/grammar';
import type { BatchScheduler } from '../batch/batch-scheduler.js';
import { streamToolCalls } from '../chat/tool-calls.js';
import type { DecoderRunner } from '../decoder/decoder-runner.js';
import {
  exportTransformersJsFolder,
  type TransformersJsExport,
  type TransformersJsExportOptions,
} from '../export/export-transformers-js-folder.js';
import { checkPromptIds } from '../generation/check-prompt-ids.js';
import { ModelGrammars } from '../generation/model-grammars.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { chatPrompt } from './chat-prompt.js';
import { checkMemoryFit } from './check-memory-fit.js';
import { decoderConfigInstance } from './decoder-config-instance.js';
import type { DecoderModelDefinition } from './decoder-model-definition.js';
import { DecoderSessions } from './decoder-sessions.js';
import { openDecoderBuild } from './ensure-decoder-build.js';
import type { GenerationDefaults } from './generation-config.js';
import { checkContextLength, generationRequest, promptIdsWithin, stopTokenIdsFor } from './generation-settings.js';
import { type DecoderInputs, openDecoderInputs } from './open-decoder-inputs.js';
import { pluginConfigSupport, unsupportedConfigError } from './plugin-config-support.js';
import { pluginStateError } from './plugin-state-errors.js';
import { type ScoreTokensOptions, scoreTokensWith, type TokenScorer, type TokenScores } from './score-tokens.js';

/**
 * A complete {@link TextModelPlugin} for decoder-only models over the engine:
 * reads the checkpoint (config, tokenizer, generation defaults, weights),
 * builds the graphs once per checkpoint and build options (cached on disk),
 * runs them with a KV cache kept in JS, and generates.
 */
export class DecoderTextPlugin<TConfig extends DecoderConfig> implements TextModelPlugin, TokenScorer {
  /** The contract version implemented. */
  readonly specificationVersion = 'v1' as const;
  /** Metadata of the model package. */
  readonly metadata: PluginMetadata;
  private readonly definition: DecoderModelDefinition<TConfig>;
  private readonly packageDir: string;
  private config: TConfig | undefined;
  /** What was read of the checkpoint besides the config (which `loadModel(config)` may replace). */
  private opened: DecoderInputs<TConfig>['checkpoint'];
  /** The checkpoint's tokenizer, built once the sessions exist. */
  private tokenizer: TextTokenizer | undefined;
  private generationDefaults: GenerationDefaults = { eosTokenIds: [] };
  /** The loaded model's sessions and batch scheduler. */
  private sessions: DecoderSessions | undefined;
  private cacheDir: string | undefined;
  private onProgress: ProgressCallback | undefined;
  private initialized = false;
  private busy = false;
  /** Structured output: the grammar compiler of this model, built on first use. */
  private grammars: ModelGrammars | undefined;

  /** Creates an uninitialized plugin. */
  constructor(context: PluginFactoryContext, definition: DecoderModelDefinition<TConfig>) {
    this.metadata = context.metadata;
    this.packageDir = context.packageDir;
    this.definition = definition;
  }

  /** True after {@link DecoderTextPlugin.initialize}, until cleanup. */
  get isLoaded(): boolean {
    return this.initialized;
  }

  /** The context length in force (`maxContextLength` of the config). @throws PluginStateError before initialize. */
  get contextLength(): number {
    return this.requireConfig().maxContextLength;
  }

  /** The config in force. @throws PluginStateError before initialize. */
  get modelConfig(): TConfig {
    return this.requireConfig();
  }

  /** Reads the checkpoint (or takes a config) and loads the model when there are weights. */
  async initialize(options: PluginInitializeOptions): Promise<void> {
    await this.cleanup();
    const { configClass } = this.definition;
    const { config, checkpoint } = await openDecoderInputs(options, configClass, this.metadata.name);
    this.config = config;
    this.opened = checkpoint;
    if (checkpoint) this.generationDefaults = checkpoint.generationDefaults;
    const support = this.supportsConfig(config);
    if (!support.supported) {
      throw unsupportedConfigError(support, config, configClass.name, checkpoint?.configSource);
    }
    this.cacheDir = options.cacheDir;
    this.onProgress = options.onProgress;
    this.initialized = true;
    if (!this.opened) return;
    try {
      await this.loadModel();
    } catch (error) {
      // A failed load (bad weights, a build error) must not leave a plugin that reports isLoaded without a model.
      await this.cleanup();
      throw error;
    }
  }

  /** Builds (or reads from the build cache) the graphs and creates the sessions. */
  async loadModel(config?: BaseConfig): Promise<LoadedModelInfo> {
    const started = performance.now();
    if (config) this.config = decoderConfigInstance<TConfig>(config, this.definition.configClass.name);
    const current = this.requireConfig();
    if (!this.opened) throw pluginStateError(this.metadata.name, 'noWeights');
    await this.sessions?.dispose();
    this.sessions = undefined;
    await this.grammars?.dispose();
    this.grammars = undefined;
    const { checkpoint, ggufFile, ggufOwnDtype } = this.opened;
    // Before any weight is read: a 30 B model at float32 must say so now, not after minutes of building.
    checkMemoryFit(current, this.definition.configClass.name, { checkpoint });
    const { build, opened } = await openDecoderBuild(
      {
        definition: this.definition,
        packageDir: this.packageDir,
        pluginName: this.metadata.name,
        config: current,
        checkpoint,
        ggufFile,
        ggufOwnDtype,
        cacheDir: this.cacheDir,
        onProgress: this.onProgress,
      },
      async (ready) => {
        this.onProgress?.({ phase: 'create-session', completed: 0, total: 1 });
        const sessions = await DecoderSessions.open(ready.graphs, current, this.definition);
        this.onProgress?.({ phase: 'create-session', completed: 1, total: 1 });
        return sessions;
      },
      (sessions) => sessions.dispose(),
    );
    this.sessions = opened;
    // After the sessions: the tokenizer's parse garbage would otherwise sit on top of onnxruntime's loading peak.
    this.tokenizer ??= await this.opened.loadTokenizer();
    const { parameters, weightBytes, fromCache } = build;
    return { config: current, parameters, weightBytes, loadMs: performance.now() - started, fromCache };
  }

  /** Logits of every position of `input.inputIds` (the cache is reset first). */
  async infer(input: TextInferInput): Promise<TextInferOutput> {
    const runner = this.requireRunner('infer');
    const ids = [...input.inputIds];
    checkPromptIds(ids, runner.shape.vocabSize);
    this.checkContext(ids.length, 0);
    return this.exclusive(async () => {
      runner.reset();
      const logits = await runner.forward(
        ids,
        ids.map((_, index) => index),
      );
      return { logits, sequenceLength: ids.length, vocabSize: runner.shape.vocabSize };
    });
  }

  /**
   * Low-level stepping, for scripts and tests: feeds `inputIds` after the
   * tokens already in the KV cache (or after none with `reset`) and returns
   * the logits at `logitIndices` (positions among `inputIds`, default the
   * last) as `[L, vocab]` rows.
   *
   * @throws ContextLengthError when the cache would exceed the context.
   */
  async forward(
    inputIds: readonly number[],
    options: { logitIndices?: readonly number[]; reset?: boolean } = {},
  ): Promise<Float32Array> {
    const runner = this.requireRunner('forward');
    // Checked before the reset, and the reset done only once the runner is ours:
    // a refused call (too long, or a generation running) leaves the cache as it was.
    checkPromptIds(inputIds, runner.shape.vocabSize);
    this.checkContext((options.reset ? 0 : runner.cache.length) + inputIds.length, 0);
    return this.exclusive(async () => {
      if (options.reset) runner.reset();
      return runner.forward(inputIds, options.logitIndices);
    });
  }

  /**
   * Log-probabilities of `ids[from..]` under the model, each given every
   * token before it: the KV cache is reset, `ids` are fed in chunks and only
   * the scored positions' logits are kept (see {@link TokenScorer}).
   *
   * @throws PromptError for fewer than two ids, an id outside the vocabulary or a bad `from`.
   * @throws ContextLengthError when `ids` do not fit the context.
   */
  async scoreTokens(ids: readonly number[], options: ScoreTokensOptions = {}): Promise<TokenScores> {
    const runner = this.requireRunner('scoreTokens');
    checkPromptIds(ids, runner.shape.vocabSize);
    this.checkContext(ids.length, 0);
    return this.exclusive(async () => {
      runner.reset();
      return scoreTokensWith((chunk, rows) => runner.forward(chunk, rows), ids, runner.shape.vocabSize, options);
    });
  }

  /**
   * Writes the checkpoint as a folder `@huggingface/transformers` loads
   * (`config.json`, `generation_config.json`, tokenizer files,
   * `onnx/model.onnx`): see {@link exportTransformersJsFolder}. The graph is
   * built from the checkpoint's own config.json, in float32, whatever the
   * runtime options of this plugin.
   *
   * @param outDir the folder to write (created when missing)
   * @param options where the weights go
   * @throws PluginStateError when the plugin has no checkpoint.
   * @throws CheckpointError, ConfigError, ExportError as {@link exportTransformersJsFolder} does.
   */
  async exportTransformersJs(
    outDir: string,
    options: Pick<TransformersJsExportOptions<TConfig>, 'externalData'> = {},
  ): Promise<TransformersJsExport> {
    this.requireConfig();
    if (!this.opened) throw pluginStateError(this.metadata.name, 'noCheckpointToExport');
    if (this.opened.ggufFile) throw pluginStateError(this.metadata.name, 'ggufExport', this.opened.ggufFile);
    return exportTransformersJsFolder({
      definition: this.definition,
      checkpoint: this.opened.checkpoint,
      outDir,
      ...options,
      ...(this.onProgress ? { onProgress: this.onProgress } : {}),
    });
  }

  /** Whether this plugin runs `config` (a DecoderConfig or a parsed config.json). */
  supportsConfig(config: unknown): ConfigSupport {
    return pluginConfigSupport(config, this.metadata, this.definition);
  }

  /** Token ids of `text`. */
  tokenize(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.requireTokenizer().encode(text, options);
  }

  /** Text of `ids`. */
  detokenize(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.requireTokenizer().decode(ids, options);
  }

  /**
   * Streams a completion of `prompt`. Options not given come from the
   * checkpoint's `generation_config.json`: sampling (temperature, top-k,
   * top-p) only when it sets `do_sample`, greedy otherwise. Without
   * `maxNewTokens`, the default (generation_config's `max_new_tokens`, else
   * 256) is lowered to what fits in the context after the prompt.
   *
   * Concurrent calls are batched (continuous batching, {@link BatchScheduler}):
   * up to the runtime's `maxBatchSize` sequences advance together in one run
   * per step, each with its own sampling settings, seed, stops and budget;
   * the rest wait for a place. A sequence's greedy tokens are the same alone
   * or in a batch.
   *
   * @throws PromptError before any compute for an empty prompt or a token id outside the vocabulary.
   * @throws ContextLengthError before any compute when the prompt leaves no room for a token, or
   *   when prompt + an explicit `maxNewTokens` exceed the context (unless `truncatePrompt`,
   *   which keeps the end of the prompt).
   */
  async *generate(prompt: Prompt, options: GenerateOptions = {}): AsyncGenerator<GenerationDelta> {
    const runner = this.requireRunner('generate');
    const config = this.requireConfig();
    const { generationDefaults: defaults, opened } = this;
    const { eosTokenIds, maxContextLength: contextLength } = config;
    const tokenizer = opened ? this.tokenizer : undefined;
    const context = { contextLength, eosTokenIds, defaults, tokenizer };
    const request = generationRequest(this.promptIdsFor(prompt, options), options, context);
    // Concurrent calls are batched by the scheduler; only infer/forward/scoreTokens (which own the cache) exclude them.
    if (this.busy) throw pluginStateError(this.metadata.name, 'busy');
    const grammar = (options as InternalGenerateOptions).grammar ?? grammarForResponseFormat(options.responseFormat);
    if (grammar && tokenizer) {
      const modelStops = stopTokenIdsFor(eosTokenIds, defaults, tokenizer.eosTokenId);
      this.grammars ??= new ModelGrammars(tokenizer, runner.shape.vocabSize, modelStops);
    }
    const constraint = grammar && this.grammars ? await this.grammars.constraint(grammar) : undefined;
    yield* this.sessions!.scheduler.generate({ ...(constraint ? { constraint } : {}), ...request });
  }

  /**
   * Streams the assistant's answer to `messages`, rendered with the model's
   * chat template (`chat_template` of tokenizer_config.json) or
   * `options.chatTemplate`.
   *
   * @throws ChatTemplateError when there is no template or it fails on the messages.
   */
  async *chat(messages: readonly ChatMessage[], options: ChatOptions = {}): AsyncGenerator<GenerationDelta> {
    const tokenizer = this.requireTokenizer();
    const source = this.opened ? join(this.opened.checkpoint, 'tokenizer_config.json') : undefined;
    const { inputIds, grammar, toolSyntax } = chatPrompt(messages, options, tokenizer, source);
    const deltas = this.generate(
      { inputIds },
      grammar ? ({ ...options, grammar } as InternalGenerateOptions) : options,
    );
    yield* toolSyntax ? streamToolCalls(deltas, toolSyntax) : deltas;
  }

  /** Generates a completion of `prompt` and returns it whole. */
  async generateText(prompt: Prompt, options: GenerateOptions = {}): Promise<GenerateTextResult> {
    // The ids actually generated from: with truncatePrompt, only the end of a prompt too long for the context.
    const promptIds = this.promptIdsFor(prompt, options);
    const ids: number[] = [];
    let text = '';
    for await (const delta of this.generate({ inputIds: promptIds }, options)) {
      if (delta.type === 'token') {
        ids.push(delta.tokenId);
        text += delta.text;
      } else if (delta.type === 'finish') {
        return { text: text + delta.text, promptIds, ids, finishReason: delta.finishReason, usage: delta.usage };
      }
    }
    throw new Error('generation ended without a finish delta');
  }

  /** Releases sessions and buffers. Safe to call twice. */
  async cleanup(): Promise<void> {
    await this.sessions?.dispose();
    this.sessions = undefined;
    this.config = undefined;
    this.opened = undefined;
    this.tokenizer = undefined;
    this.initialized = false;
  }

  /** Same as {@link DecoderTextPlugin.cleanup}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }

  /** The prompt's ids (see {@link promptIdsWithin}). @throws PromptError for an empty prompt or an id outside the vocabulary. */
  private promptIdsFor(prompt: Prompt, options: GenerateOptions): number[] {
    const config = this.requireConfig();
    const promptIds = typeof prompt === 'string' ? this.tokenize(prompt) : [...prompt.inputIds];
    return promptIdsWithin(promptIds, options, config.vocabSize, config.maxContextLength);
  }

  private checkContext(promptTokens: number, maxNewTokens: number): void {
    checkContextLength(promptTokens, maxNewTokens, this.requireConfig().maxContextLength);
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy || this.sessions?.scheduler.idle === false) throw pluginStateError(this.metadata.name, 'busy');
    this.busy = true;
    try {
      return await work();
    } finally {
      this.busy = false;
    }
  }

  private requireConfig(): TConfig {
    if (!this.initialized || !this.config) throw pluginStateError(this.metadata.name, 'notInitialized');
    return this.config;
  }

  private requireTokenizer(): TextTokenizer {
    this.requireConfig();
    if (!this.opened || !this.tokenizer) throw pluginStateError(this.metadata.name, 'noTokenizer');
    return this.tokenizer;
  }

  /** The loaded model's runner (tests reach it through this name). */
  private get runner(): DecoderRunner | undefined {
    return this.sessions?.runner;
  }

  private requireRunner(method: string): DecoderRunner {
    this.requireConfig();
    if (!this.runner) throw pluginStateError(this.metadata.name, 'noModel', method);
    return this.runner;
  }
}

/** Generation options plus a grammar chosen inside the plugin (a tool call), which wins over `responseFormat`. */
interface InternalGenerateOptions extends GenerateOptions {
  grammar?: GrammarSpec;
}
