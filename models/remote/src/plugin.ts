import { join } from 'node:path';
import {
  BaseConfig,
  type ChatMessage,
  type ChatOptions,
  CheckpointError,
  ConfigError,
  type ConfigSupport,
  type DetokenizeOptions,
  findRemoteDescriptor,
  type GenerateOptions,
  type GenerateTextResult,
  type GenerationDelta,
  type LoadedModelInfo,
  type PluginFactory,
  type PluginFactoryContext,
  type PluginInitializeOptions,
  type PluginMetadata,
  PluginStateError,
  type Prompt,
  remoteDescriptorFileName,
  type TextInferOutput,
  type TextModelPlugin,
  type TokenizeOptions,
  type ToolCall,
} from '@pio/core';
import { RemoteConfig } from './config.js';
import {
  parseRemoteDescriptor,
  type RemoteDescriptor,
  readRemoteDescriptor,
  remoteDescriptorSchema,
} from './descriptor/remote-descriptor.js';
import { RemoteModelNotFoundError } from './errors/remote-model-not-found-error.js';
import { RemoteUnsupportedError } from './errors/remote-unsupported-error.js';
import { RemoteClient } from './http/remote-client.js';
import { chatBody, completionBody } from './openai/request-body.js';
import { streamDeltas } from './openai/stream-deltas.js';

/**
 * A model served elsewhere over the OpenAI protocol, as a
 * {@link TextModelPlugin}: `generate` streams `POST /v1/completions`, `chat`
 * streams `POST /v1/chat/completions` (tools and response formats passed
 * through), `generateText` collects `generate`. `initialize` reads the
 * descriptor and checks that the server answers and lists the model
 * (`GET /v1/models`).
 *
 * What the protocol cannot give: token ids (every `token` delta has
 * `tokenId: -1` and carries a piece of text; `GenerateTextResult.ids` is
 * empty, the counts come from the server's usage), logits (`infer`) and a
 * tokenizer (`tokenize`/`detokenize`): those throw {@link RemoteUnsupportedError}.
 */
export class RemotePlugin implements TextModelPlugin {
  /** The contract version. */
  readonly specificationVersion = 'v1' as const;
  /** Name, version and manifest of `@pio/model-remote`. */
  readonly metadata: PluginMetadata;
  private client: RemoteClient | undefined;
  private config: RemoteConfig | undefined;
  private lifetime = new AbortController();

  /** Creates an uninitialized plugin. */
  constructor(context: PluginFactoryContext) {
    this.metadata = context.metadata;
  }

  /** True between initialize and cleanup. */
  get isLoaded(): boolean {
    return this.client !== undefined;
  }

  /**
   * The served context length: the descriptor's `contextLength`, else the
   * server's `max_model_len` (vLLM); `Number.MAX_SAFE_INTEGER` when neither
   * says (the server then decides, and its refusal is a ContextLengthError).
   *
   * @throws PluginStateError before initialize or after cleanup.
   */
  get contextLength(): number {
    this.ready('contextLength');
    return this.config?.contextLength ?? Number.MAX_SAFE_INTEGER;
  }

  /** The config in force (descriptor fields and the context length, when known); undefined before initialize. */
  get remoteConfig(): RemoteConfig | undefined {
    return this.config;
  }

  /**
   * Reads the descriptor (`checkpoint`: a `*.remote.json` file or a folder
   * with `pio-remote.json`; or `config`: a descriptor object or a
   * {@link RemoteConfig}), reads the API key from `apiKeyEnv`, then checks
   * the server with {@link RemotePlugin.loadModel}. Runtime settings (dtype,
   * threads) do not apply to a remote model and are ignored.
   *
   * @throws CheckpointError for a missing or unreadable descriptor; ConfigError for bad keys or an unset apiKeyEnv;
   *   the errors of {@link RemotePlugin.loadModel}.
   */
  async initialize(options: PluginInitializeOptions): Promise<void> {
    await this.cleanup();
    let descriptor: RemoteDescriptor;
    let source: string | undefined;
    if (options.config) {
      descriptor =
        options.config instanceof RemoteConfig
          ? options.config.toDescriptor()
          : parseRemoteDescriptor(plainObject(options.config));
    } else if (options.checkpoint) {
      source = (await findRemoteDescriptor(options.checkpoint)) ?? (await descriptorPath(options.checkpoint));
      descriptor = await readRemoteDescriptor(source);
    } else {
      throw new CheckpointError({
        file: '(none)',
        reason: 'initialize got neither a checkpoint nor a config',
        hint: 'Pass checkpoint: the path of a *.remote.json descriptor.',
      });
    }
    const apiKey = readApiKey(descriptor, source);
    this.lifetime = new AbortController();
    const client = new RemoteClient({ descriptor, signal: this.lifetime.signal, ...(apiKey ? { apiKey } : {}) });
    this.config = RemoteConfig.fromDescriptor(descriptor, source ? { source } : {});
    this.client = client;
    try {
      await this.loadModel(undefined, options.signal);
    } catch (error) {
      await this.cleanup();
      throw error;
    }
  }

  /**
   * Asks the server for its models (`GET /v1/models`): it must answer and list
   * the descriptor's model. Its `max_model_len` (vLLM) becomes the context
   * length when the descriptor gives none.
   *
   * @throws RemoteUnreachableError, RemoteTimeoutError, RemoteAuthError, RemoteModelNotFoundError.
   */
  async loadModel(_config?: BaseConfig, signal?: AbortSignal): Promise<LoadedModelInfo> {
    const client = this.ready('loadModel');
    const started = performance.now();
    const { descriptor } = client;
    const answer = (await client.json('/models', undefined, signal)) as { data?: unknown };
    const models = Array.isArray(answer?.data) ? (answer.data as Record<string, unknown>[]) : [];
    const entry = models.find((model) => model?.id === descriptor.model);
    if (!entry) {
      throw new RemoteModelNotFoundError({
        baseUrl: descriptor.baseUrl,
        model: descriptor.model,
        served: models.map((model) => String(model?.id)),
      });
    }
    const contextLength = typeof entry.max_model_len === 'number' ? entry.max_model_len : undefined;
    this.config = RemoteConfig.fromDescriptor(descriptor, {
      ...(contextLength ? { contextLength } : {}),
      ...(this.config?.source ? { source: this.config.source } : {}),
    });
    return {
      config: this.config,
      parameters: 0,
      weightBytes: 0,
      loadMs: performance.now() - started,
      fromCache: false,
    };
  }

  /** @throws RemoteUnsupportedError (after initialize): the OpenAI protocol returns no logits. */
  async infer(): Promise<TextInferOutput> {
    this.ready('infer');
    throw new RemoteUnsupportedError({
      operation: 'compute logits (infer)',
      reason: 'the OpenAI protocol returns generated text, not logits',
      hint: 'Use generate, generateText or chat; run the checkpoint locally for logits.',
    });
  }

  /** @throws RemoteUnsupportedError (after initialize): the OpenAI protocol has no tokenizer. */
  tokenize(_text: string, _options?: TokenizeOptions): number[] {
    this.ready('tokenize');
    throw noTokenizer('tokenize');
  }

  /** An empty array gives ''; any other @throws RemoteUnsupportedError: the OpenAI protocol has no tokenizer. */
  detokenize(ids: readonly number[], _options?: DetokenizeOptions): string {
    this.ready('detokenize');
    if (ids.length === 0) return '';
    throw noTokenizer('detokenize');
  }

  /** Streams a completion of `prompt` (text, or token ids of the server's tokenizer) from `POST /v1/completions`. */
  generate(prompt: Prompt, options: GenerateOptions = {}): AsyncIterable<GenerationDelta> {
    const client = this.ready('generate');
    const body = completionBody(client.descriptor.model, prompt, options);
    return this.run(client, '/completions', body, options.signal);
  }

  /** Streams an answer to `messages` from `POST /v1/chat/completions`; the server renders its own chat template. */
  chat(messages: readonly ChatMessage[], options: ChatOptions = {}): AsyncIterable<GenerationDelta> {
    const client = this.ready('chat');
    const body = chatBody(client.descriptor.model, messages, options);
    return this.run(client, '/chat/completions', body, options.signal);
  }

  /** Collects {@link RemotePlugin.generate}; `ids` is empty (no token ids over the protocol), `promptIds` the ids given. */
  async generateText(prompt: Prompt, options: GenerateOptions = {}): Promise<GenerateTextResult> {
    let text = '';
    const toolCalls: ToolCall[] = [];
    for await (const delta of this.generate(prompt, options)) {
      text += delta.text;
      if (delta.type === 'tool-call') toolCalls.push(delta.toolCall);
      if (delta.type === 'finish') {
        return {
          text,
          promptIds: typeof prompt === 'string' ? [] : [...prompt.inputIds],
          ids: [],
          finishReason: delta.finishReason,
          usage: delta.usage,
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
        };
      }
    }
    throw new PluginStateError({ pluginName: this.metadata.name, reason: 'the stream ended without a finish delta' });
  }

  /** Accepts a {@link RemoteConfig} or a valid descriptor object; says why not otherwise. Never throws. */
  supportsConfig(config: unknown): ConfigSupport {
    if (config instanceof RemoteConfig) return { supported: true };
    const result = remoteDescriptorSchema.safeParse(config);
    if (result.success) return { supported: true };
    const issue = result.error.issues[0];
    const field = issue?.path.map(String).join('.') || undefined;
    return {
      supported: false,
      reason: `not a remote descriptor: ${field ? `${field} ` : ''}${issue?.message ?? 'invalid'} (it needs { "baseUrl", "model" })`,
      ...(field ? { field } : {}),
    };
  }

  /** Aborts requests in flight and forgets the server. Safe to call twice. */
  async cleanup(): Promise<void> {
    this.lifetime.abort();
    this.client = undefined;
  }

  /** Same as {@link RemotePlugin.cleanup}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }

  private async *run(
    client: RemoteClient,
    path: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): AsyncGenerator<GenerationDelta> {
    const started = performance.now();
    const source = { baseUrl: client.descriptor.baseUrl, path };
    if (signal?.aborted) {
      yield* streamDeltas(emptyChunks(), source, signal, started);
      return;
    }
    yield* streamDeltas(client.stream(path, body, signal), source, signal, started);
  }

  private ready(method: string): RemoteClient {
    if (!this.client) {
      throw new PluginStateError({
        pluginName: this.metadata.name,
        reason: `${method}() was called before initialize() or after cleanup()`,
      });
    }
    return this.client;
  }
}

/** The factory named by this package's `pio.entryPoint`: creates an uninitialized plugin. */
export const createRemotePlugin: PluginFactory<RemotePlugin> = (context) => new RemotePlugin(context);

async function* emptyChunks(): AsyncGenerator<Record<string, unknown>> {}

/** A folder's `pio-remote.json`, else the path itself (read to give a CheckpointError naming it). */
async function descriptorPath(checkpoint: string): Promise<string> {
  const { stat } = await import('node:fs/promises');
  const info = await stat(checkpoint).catch(() => undefined);
  return info?.isDirectory() ? join(checkpoint, remoteDescriptorFileName) : checkpoint;
}

function plainObject(config: unknown): unknown {
  return config instanceof BaseConfig ? config.toJSON() : config;
}

function readApiKey(descriptor: RemoteDescriptor, source: string | undefined): string | undefined {
  if (!descriptor.apiKeyEnv) return undefined;
  const key = process.env[descriptor.apiKeyEnv];
  if (key) return key;
  throw new ConfigError({
    configName: 'remote descriptor',
    issues: [
      {
        field: 'apiKeyEnv',
        value: descriptor.apiKeyEnv,
        rule: `names an environment variable that is not set; export ${descriptor.apiKeyEnv}=<key>, or remove apiKeyEnv for a server without keys`,
      },
    ],
    ...(source ? { source } : {}),
  });
}

function noTokenizer(operation: 'tokenize' | 'detokenize'): RemoteUnsupportedError {
  return new RemoteUnsupportedError({
    operation,
    reason: "the OpenAI protocol has no tokenizer endpoint, and the tokenizer is the server's",
    hint: "Pass prompts as text (generate, chat); token counts come in the finish delta's usage.",
  });
}
