import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  BaseConfig,
  type ChatMessage,
  type ChatOptions,
  ConfigError,
  type ConfigSupport,
  ContextLengthError,
  findGgufFile,
  type GenerateOptions,
  type GenerateTextResult,
  type GenerationDelta,
  type LoadedModelInfo,
  PioError,
  type PluginFactoryContext,
  type PluginInitializeOptions,
  type PluginMetadata,
  PluginStateError,
  type ProgressCallback,
  type Prompt,
  readCheckpointConfig,
  type TextInferInput,
  type TextInferOutput,
  type TextModelPlugin,
} from '@pio/core';
import { type GrammarSpec, grammarForResponseFormat } from '@pio/grammar';
import { openCheckpointWeights } from '@pio/safetensors';
import { BatchScheduler } from '../batch/batch-scheduler.js';
import { BuildCache, checkpointBuildKey } from '../build-cache/build-cache.js';
import { graphBuilderFingerprint } from '../build-cache/code-fingerprint.js';
import { renderChat } from '../chat/render-chat.js';
import { streamToolCalls, templateMessages, toolCallSyntaxOf, toolChoiceGrammar } from '../chat/tool-calls.js';
import { DecoderRunner } from '../decoder/decoder-runner.js';
import {
  exportTransformersJsFolder,
  type TransformersJsExport,
  type TransformersJsExportOptions,
} from '../export/export-transformers-js-folder.js';
import { checkPromptIds } from '../generation/check-prompt-ids.js';
import { ModelGrammars } from '../generation/model-grammars.js';
import type { SamplingSettings } from '../generation/sampler.js';
import { ggufBuildKey } from '../gguf/gguf-build-key.js';
import { GgufWeightSource } from '../gguf/gguf-weight-source.js';
import { openGgufCheckpoint } from '../gguf/open-gguf-checkpoint.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { checkMemoryFit } from './check-memory-fit.js';
import type { DecoderModelDefinition } from './decoder-model-definition.js';
import { type GenerationDefaults, readGenerationConfig } from './generation-config.js';
import { type ScoreTokensOptions, scoreTokensWith, type TokenScorer, type TokenScores } from './score-tokens.js';

/**
 * A complete {@link TextModelPlugin} for decoder-only models over the engine:
 * reads the checkpoint (config, tokenizer, generation defaults, weights),
 * builds the graphs once per checkpoint and build options (cached on disk),
 * runs them with a KV cache kept in JS, and generates.
 */
export class DecoderTextPlugin<TConfig extends BaseConfig> implements TextModelPlugin, TokenScorer {
  /** The contract version implemented. */
  readonly specificationVersion = 'v1' as const;
  /** Metadata of the model package. */
  readonly metadata: PluginMetadata;
  private readonly definition: DecoderModelDefinition<TConfig>;
  private readonly packageDir: string;
  private config: TConfig | undefined;
  private checkpoint: string | undefined;
  /** The GGUF file of the checkpoint, when it is one (see `findGgufFile` of core). */
  private ggufFile: string | undefined;
  /** The dtype a GGUF runs at when none was asked for (its own precision); `undefined` when one was asked for. */
  private ggufOwnDtype: string | undefined;
  private tokenizer: TextTokenizer | undefined;
  private generationDefaults: GenerationDefaults = { eosTokenIds: [] };
  private runner: DecoderRunner | undefined;
  private cacheDir: string | undefined;
  private onProgress: ProgressCallback | undefined;
  private initialized = false;
  private busy = false;
  /** Runs every concurrent `generate` call, batched (continuous batching); made with the runner. */
  private scheduler: BatchScheduler | undefined;
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
    const runtime = (options.runtime ?? {}) as Record<string, unknown>;
    if (options.checkpoint) {
      this.checkpoint = resolve(options.checkpoint);
      this.ggufFile = await findGgufFile(this.checkpoint);
      // A GGUF file carries config, tokenizer and EOS in its metadata; a folder in its JSON files.
      const gguf = this.ggufFile ? await openGgufCheckpoint(this.ggufFile) : undefined;
      this.ggufOwnDtype = gguf && runtime.dtype === undefined ? gguf.defaultDtype : undefined;
      const json = gguf ? gguf.config : await readCheckpointConfig(this.checkpoint);
      const source = this.configSource();
      this.config =
        options.config instanceof BaseConfig
          ? (options.config as TConfig)
          : configClass.fromHuggingFace(
              { ...json, ...(options.config ?? {}) },
              // A GGUF runs at its own precision unless a dtype is asked for.
              gguf && runtime.dtype === undefined ? { ...runtime, dtype: gguf.defaultDtype } : runtime,
              source,
            );
      this.tokenizer = gguf ? gguf.tokenizer : await TextTokenizer.fromCheckpoint(this.checkpoint);
      this.generationDefaults = gguf ? gguf.generationDefaults : await readGenerationConfig(this.checkpoint);
    } else if (options.config) {
      this.config =
        options.config instanceof BaseConfig
          ? (options.config as TConfig)
          : configClass.fromHuggingFace(options.config, runtime);
    } else {
      throw new PluginStateError({
        pluginName: this.metadata.name,
        reason: 'initialize() needs a checkpoint folder or a config',
        hint: 'Pass { checkpoint: "path/to/model" } (a Hugging Face folder) or { config }.',
      });
    }
    const support = this.supportsConfig(this.config);
    if (!support.supported) {
      throw new ConfigError({
        configName: configClass.name,
        issues: [
          {
            field: support.field ?? 'architectures',
            value: (this.config as unknown as Record<string, unknown>)[support.field ?? 'architectures'],
            rule: support.reason,
          },
        ],
        ...(this.checkpoint ? { source: this.configSource() } : {}),
      });
    }
    this.cacheDir = options.cacheDir;
    this.onProgress = options.onProgress;
    this.initialized = true;
    if (!this.checkpoint) return;
    try {
      await this.loadModel();
    } catch (error) {
      // A failed load (bad weights, a build error) must not leave a plugin that reports isLoaded without a model.
      await this.cleanup();
      throw error;
    }
  }

  /** Where the config came from, for messages: the GGUF file, or the folder's config.json. */
  private configSource(): string {
    return this.ggufFile ?? join(this.checkpoint ?? '.', 'config.json');
  }

  /** Builds (or reads from the build cache) the graphs and creates the sessions. */
  async loadModel(config?: BaseConfig): Promise<LoadedModelInfo> {
    const started = performance.now();
    if (config) this.config = config as TConfig;
    const current = this.requireConfig();
    if (!this.checkpoint) {
      throw new PluginStateError({
        pluginName: this.metadata.name,
        reason: 'there are no weights to load: the plugin was initialized from a config alone',
        hint: 'Initialize it with { checkpoint } to run the model.',
      });
    }
    this.scheduler?.dispose();
    this.scheduler = undefined;
    await this.grammars?.dispose();
    this.grammars = undefined;
    await this.runner?.dispose();
    this.runner = undefined;
    const checkpoint = this.checkpoint;
    // Before any weight is read: a 30 B model at float32 must say so now, not after minutes of building.
    checkMemoryFit(current, this.definition.configClass.name, { checkpoint });
    const ggufFile = this.ggufFile;
    // At its own precision a GGUF keeps every tensor as stored, up to 8 bits (a Q4_K_M file's Q6_K ones too).
    const keepStored = ggufFile !== undefined && current.dtype === this.ggufOwnDtype && current.dtype !== 'float32';
    // Everything the graph depends on besides the checkpoint: its rotary tables are sized by maxContextLength.
    const buildOptions = {
      version: this.definition.buildVersion,
      // The graph builder's own code (model package + @pio/onnx): a code change rebuilds, buildVersion or not.
      code: await graphBuilderFingerprint(this.packageDir),
      dtype: current.dtype,
      maxContextLength: current.maxContextLength,
      plugin: this.metadata.name,
      ...this.definition.buildOptions?.(current),
      ...(keepStored ? { ggufKeepStored: true } : {}),
    };
    const key = ggufFile
      ? await ggufBuildKey(ggufFile, buildOptions)
      : await checkpointBuildKey(checkpoint, buildOptions);
    const cache = new BuildCache(this.cacheDir ? join(this.cacheDir, 'builds') : undefined);
    const { dir, record, fromCache } = await cache.getOrBuild(
      key,
      async (outDir) => {
        const { prepareGraphs, buildGraphs } = this.definition;
        if (prepareGraphs) {
          const prepared = await prepareGraphs({
            checkpoint,
            config: current,
            outDir,
            ...(this.onProgress ? { onProgress: this.onProgress } : {}),
          });
          return {
            graphs: prepared.graphs,
            info: { parameters: prepared.parameters, weightBytes: prepared.weightBytes },
          };
        }
        if (!buildGraphs) {
          throw new PluginStateError({
            pluginName: this.metadata.name,
            reason: 'its model definition has neither buildGraphs nor prepareGraphs',
            hint: 'Give the DecoderModelDefinition one of them.',
          });
        }
        // GGUF Q4_0/Q8_0/... tensors go into the graph as stored when the dtype has the bits (readPrequantized);
        // the others are dequantized to float32 and quantized at the config's dtype by the graph builder.
        const weights = ggufFile
          ? await GgufWeightSource.open(ggufFile, {
              numAttentionHeads: current.numAttentionHeads,
              numKeyValueHeads: current.numKeyValueHeads,
              headDim: current.headDim,
              ...(keepStored ? { keepStoredUpTo: 8 as const } : {}),
            })
          : await openCheckpointWeights(checkpoint);
        try {
          const built = await buildGraphs({
            config: current,
            weights,
            outDir,
            ...(this.onProgress ? { onProgress: this.onProgress } : {}),
          });
          return { graphs: built.graphs, info: { parameters: built.parameters, weightBytes: built.weightBytes } };
        } finally {
          await weights.close();
        }
      },
      {
        // A damaged build being rebuilt, or a wait for another process's build: one line the CLI prints.
        onNotice: (message) => this.onProgress?.({ phase: 'notice', completed: 1, total: 1, message }),
      },
    );
    this.onProgress?.({ phase: 'create-session', completed: 0, total: 1 });
    const graphs = {
      decode: join(dir, record.graphs.decode!),
      ...(record.graphs.prefill ? { prefill: join(dir, record.graphs.prefill) } : {}),
    };
    const standardRow = current.numKeyValueHeads * current.headDim;
    const cacheShape = this.definition.cacheShape?.(current) ?? { keyRowSize: standardRow, valueRowSize: standardRow };
    this.runner = await DecoderRunner.create(
      graphs,
      {
        numLayers: current.numHiddenLayers,
        rowSize: cacheShape.keyRowSize,
        valueRowSize: cacheShape.valueRowSize,
        vocabSize: current.vocabSize,
        maxLength: current.maxContextLength,
        numKeyValueHeads: current.numKeyValueHeads,
        headDim: current.headDim,
      },
      { numThreads: current.numThreads, executionProvider: current.executionProvider },
    );
    this.scheduler = new BatchScheduler(this.runner, { maxBatchSize: current.maxBatchSize });
    this.onProgress?.({ phase: 'create-session', completed: 1, total: 1 });
    return {
      config: current,
      parameters: Number(record.info.parameters ?? 0),
      weightBytes: Number(record.info.weightBytes ?? 0),
      loadMs: performance.now() - started,
      fromCache,
    };
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
    if (!this.checkpoint) {
      throw new PluginStateError({
        pluginName: this.metadata.name,
        reason: 'there is no checkpoint to export: the plugin was initialized from a config alone',
        hint: 'Initialize it with { checkpoint } (a Hugging Face folder with weights and tokenizer).',
      });
    }
    if (this.ggufFile) {
      throw new PluginStateError({
        pluginName: this.metadata.name,
        reason: `the checkpoint is a GGUF file (${this.ggufFile}); the transformers.js export reads Hugging Face folders`,
        hint: 'Export from the safetensors folder of the model.',
      });
    }
    return exportTransformersJsFolder({
      definition: this.definition,
      checkpoint: this.checkpoint,
      outDir,
      ...options,
      ...(this.onProgress ? { onProgress: this.onProgress } : {}),
    });
  }

  /** Whether this plugin runs `config` (a BaseConfig or a parsed config.json). */
  supportsConfig(config: unknown): ConfigSupport {
    let parsed: TConfig;
    try {
      if (config instanceof BaseConfig) parsed = config as TConfig;
      else if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
        parsed = this.definition.configClass.fromHuggingFace(config as Record<string, unknown>);
      } else return { supported: false, reason: 'a config must be a BaseConfig or a config.json object' };
    } catch (error) {
      return { supported: false, reason: PioError.isInstance(error) ? error.message : String(error) };
    }
    const { architectures, modelTypes } = this.metadata;
    const known =
      architectures.includes('*') ||
      parsed.architectures.some((name) => architectures.includes(name)) ||
      (parsed.modelType !== '' && modelTypes.includes(parsed.modelType));
    if (!known) {
      return {
        supported: false,
        reason: `${this.metadata.name} runs architectures [${architectures.join(', ')}] / model types [${modelTypes.join(', ')}], not [${parsed.architectures.join(', ')}] / "${parsed.modelType}"`,
      };
    }
    return this.definition.supportsConfig?.(parsed) ?? { supported: true };
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
    this.requireRunner('generate');
    const config = this.requireConfig();
    const defaults = this.generationDefaults;
    const promptIds = this.promptIdsFor(prompt, options);
    const maxNewTokens = this.maxNewTokensFor(options, promptIds.length);
    this.checkContext(promptIds.length, maxNewTokens);
    const stopTokenIds = new Set([...config.eosTokenIds, ...defaults.eosTokenIds, ...(options.stopTokenIds ?? [])]);
    const tokenizerEos = this.tokenizer?.eosTokenId;
    if (tokenizerEos !== undefined) stopTokenIds.add(tokenizerEos);
    const sampleByDefault = defaults.doSample === true;
    const sampling: SamplingSettings = {
      temperature: options.temperature ?? (sampleByDefault ? (defaults.temperature ?? 1) : 0),
      topK: options.topK ?? (sampleByDefault ? (defaults.topK ?? 0) : 0),
      topP: options.topP ?? (sampleByDefault ? (defaults.topP ?? 1) : 1),
      minP: options.minP ?? 0,
      repetitionPenalty: options.repetitionPenalty ?? defaults.repetitionPenalty ?? 1,
      presencePenalty: options.presencePenalty ?? 0,
      frequencyPenalty: options.frequencyPenalty ?? 0,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    };
    const decode = (ids: readonly number[]) =>
      this.tokenizer ? this.tokenizer.decode(ids, { skipSpecialTokens: true }) : '';
    // Concurrent calls are batched by the scheduler; only infer/forward/scoreTokens (which own the cache) exclude them.
    if (this.busy) throw this.busyError();
    const grammar = (options as InternalGenerateOptions).grammar ?? grammarForResponseFormat(options.responseFormat);
    if (grammar && this.tokenizer) {
      const modelStops = [
        ...config.eosTokenIds,
        ...defaults.eosTokenIds,
        ...(tokenizerEos !== undefined ? [tokenizerEos] : []),
      ];
      this.grammars ??= new ModelGrammars(this.tokenizer, this.runner!.shape.vocabSize, [...new Set(modelStops)]);
    }
    const constraint = grammar && this.grammars ? await this.grammars.constraint(grammar) : undefined;
    const scheduler = this.scheduler!;
    yield* scheduler.generate({
      ...(constraint ? { constraint } : {}),
      promptIds,
      maxNewTokens,
      stopTokenIds: [...stopTokenIds],
      stopStrings: options.stop ?? [],
      sampling,
      decode,
      ...(options.signal ? { signal: options.signal } : {}),
    });
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
    const template = options.chatTemplate ?? tokenizer.chatTemplate;
    // tool_choice none renders no tools; auto lets the model choose; required/named constrain one call by grammar.
    const tools =
      options.tools && options.tools.length > 0 && options.toolChoice !== 'none' ? options.tools : undefined;
    const syntax = toolCallSyntaxOf(template);
    const text = renderChat(templateMessages(messages) as unknown as ChatMessage[], {
      template,
      ...(this.checkpoint ? { source: join(this.checkpoint, 'tokenizer_config.json') } : {}),
      ...(tokenizer.bosToken !== undefined ? { bosToken: tokenizer.bosToken } : {}),
      ...(tokenizer.eosToken !== undefined ? { eosToken: tokenizer.eosToken } : {}),
      ...(tools ? { tools } : {}),
    });
    const grammar = tools ? toolChoiceGrammar(tools, options.toolChoice, syntax) : undefined;
    // The template writes the special tokens itself (BOS included).
    const deltas = this.generate(
      { inputIds: tokenizer.encode(text, { addSpecialTokens: false }) },
      grammar ? ({ ...options, grammar } as InternalGenerateOptions) : options,
    );
    yield* tools ? streamToolCalls(deltas, syntax) : deltas;
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
    this.scheduler?.dispose();
    this.scheduler = undefined;
    await this.runner?.dispose();
    this.runner = undefined;
    this.tokenizer = undefined;
    this.config = undefined;
    this.checkpoint = undefined;
    this.ggufFile = undefined;
    this.ggufOwnDtype = undefined;
    this.initialized = false;
  }

  /** Same as {@link DecoderTextPlugin.cleanup}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }

  /**
   * Tokens to generate after a prompt of `promptTokens`: an explicit
   * `maxNewTokens` as asked (checkContext refuses it when it does not fit);
   * the default lowered to the room left in the context, but never below 1
   * (a prompt that fills the context is then refused by checkContext).
   */
  private maxNewTokensFor(options: GenerateOptions, promptTokens: number): number {
    if (options.maxNewTokens !== undefined) return options.maxNewTokens;
    const byDefault = this.generationDefaults.maxNewTokens ?? 256;
    return Math.max(1, Math.min(byDefault, this.requireConfig().maxContextLength - promptTokens));
  }

  /**
   * The prompt's ids, checked against the vocabulary; with `truncatePrompt`,
   * only its end when it leaves no room for an explicit `maxNewTokens` (or,
   * without one, for a single token: the default is then lowered instead).
   *
   * @throws PromptError for an empty prompt or an id outside the vocabulary.
   */
  private promptIdsFor(prompt: Prompt, options: GenerateOptions): number[] {
    const config = this.requireConfig();
    const promptIds = typeof prompt === 'string' ? this.tokenize(prompt) : [...prompt.inputIds];
    checkPromptIds(promptIds, config.vocabSize);
    const room = options.maxNewTokens ?? 1;
    const excess = promptIds.length + room - config.maxContextLength;
    return options.truncatePrompt && excess > 0 ? promptIds.slice(Math.min(excess, promptIds.length - 1)) : promptIds;
  }

  private checkContext(promptTokens: number, maxNewTokens: number): void {
    const contextLength = this.requireConfig().maxContextLength;
    if (promptTokens + maxNewTokens > contextLength) {
      throw new ContextLengthError({ promptTokens, maxNewTokens, contextLength });
    }
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy || this.scheduler?.idle === false) throw this.busyError();
    this.busy = true;
    try {
      return await work();
    } finally {
      this.busy = false;
    }
  }

  private busyError(): PluginStateError {
    return new PluginStateError({
      pluginName: this.metadata.name,
      reason: 'a generation is already running on this plugin instance',
      hint: 'Wait for it to finish (or abort it), or activate a second instance.',
    });
  }

  private requireConfig(): TConfig {
    if (!this.initialized || !this.config) {
      throw new PluginStateError({ pluginName: this.metadata.name, reason: 'the plugin is not initialized' });
    }
    return this.config;
  }

  private requireTokenizer(): TextTokenizer {
    this.requireConfig();
    if (!this.tokenizer) {
      throw new PluginStateError({
        pluginName: this.metadata.name,
        reason: 'there is no tokenizer: the plugin was initialized from a config alone',
        hint: 'Initialize it with { checkpoint } (a folder with tokenizer.json), or pass token ids.',
      });
    }
    return this.tokenizer;
  }

  private requireRunner(method: string): DecoderRunner {
    this.requireConfig();
    if (!this.runner) {
      throw new PluginStateError({
        pluginName: this.metadata.name,
        reason: `${method}() needs a loaded model`,
        hint: 'Initialize the plugin with { checkpoint } so its weights are loaded.',
      });
    }
    return this.runner;
  }
}

/** Generation options plus a grammar chosen inside the plugin (a tool call), which wins over `responseFormat`. */
interface InternalGenerateOptions extends GenerateOptions {
  grammar?: GrammarSpec;
}
