import { randomUUID } from 'node:crypto';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  SharedV3ProviderMetadata,
  SharedV3Warning,
} from '@ai-sdk/provider';
import { type GenerationDelta, type OpenedTextModel, PioError } from '@pio/core';
import { toGenerateOptions } from './call-options.js';
import { toChatMessages, toCompletionText } from './convert-prompt.js';
import { toFinishReason, toUsage } from './convert-usage.js';
import type { PioModelSettings } from './model-settings.js';

/** One started generation: its deltas (the first one already read) and what the call was told. */
interface StartedGeneration {
  deltas: AsyncIterator<GenerationDelta>;
  first: IteratorResult<GenerationDelta>;
  warnings: SharedV3Warning[];
  pluginName: string;
  /** Aborts this generation (the call's signal is linked to it). */
  controller: AbortController;
  /** Detaches from the call's signal. */
  release(): void;
}

/** The error a fetch-based provider would throw on abort, so the AI SDK reports an abort, not a failure. */
function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason;
  if (reason instanceof Error && (reason.name === 'AbortError' || reason.name === 'TimeoutError')) return reason;
  return new DOMException('The PIO generation was aborted.', 'AbortError');
}

/** True for the engine's error about a model without a chat template (it knows no engine types, only the code). */
function isMissingChatTemplate(error: unknown): boolean {
  return PioError.isInstance(error) && error.code === 'PIO_CHAT_TEMPLATE' && /has no chat template/.test(error.message);
}

function metadata(
  pluginName: string,
  usage?: { timeToFirstTokenMs: number; tokensPerSecond: number },
): SharedV3ProviderMetadata {
  return {
    pio: {
      pluginName,
      ...(usage ? { timeToFirstTokenMs: usage.timeToFirstTokenMs, tokensPerSecond: usage.tokensPerSecond } : {}),
    },
  };
}

/**
 * A PIO model as an AI SDK language model (specification v3): `doGenerate`
 * and `doStream` run the plugin's `chat` (or `generate` for base models) in
 * this process. The model is opened by the provider on first use and shared
 * by every call; concurrent calls are batched by the plugin.
 */
export class PioLanguageModel implements LanguageModelV3 {
  /** The AI SDK language model specification this implements. */
  readonly specificationVersion = 'v3' as const;
  /** `pio`. */
  readonly provider = 'pio';
  /** The checkpoint as given to the provider (a path, or `owner/name` of a pulled model). */
  readonly modelId: string;
  /** No URLs: files in prompts are not supported. */
  readonly supportedUrls: Record<string, RegExp[]> = {};

  private readonly settings: PioModelSettings;
  private readonly open: () => Promise<OpenedTextModel>;
  /** Set once the model turned out to have no chat template (so later calls go straight to text). */
  private withoutChatTemplate = false;

  /** Made by the provider (`pio(checkpoint, settings)`); `open` opens the shared model on first use. */
  constructor(modelId: string, settings: PioModelSettings, open: () => Promise<OpenedTextModel>) {
    this.modelId = modelId;
    this.settings = settings;
    this.open = open;
  }

  /** The opened model (opening it on first use): its plugin, context length and load time. */
  model(): Promise<OpenedTextModel> {
    return this.open();
  }

  private async start(call: LanguageModelV3CallOptions): Promise<StartedGeneration> {
    const opened = await this.open();
    const { plugin, pluginName } = opened;
    const controller = new AbortController();
    const signal = call.abortSignal;
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) controller.abort(signal.reason);
    else signal?.addEventListener('abort', onAbort, { once: true });
    const release = () => signal?.removeEventListener('abort', onAbort);
    try {
      const { options, warnings } = toGenerateOptions(call, controller.signal);
      const format = this.settings.promptFormat ?? (plugin.chat && !this.withoutChatTemplate ? 'chat' : 'text');
      if (format === 'chat' && plugin.chat) {
        const deltas = plugin
          .chat(toChatMessages(call.prompt), {
            ...options,
            ...(this.settings.chatTemplate ? { chatTemplate: this.settings.chatTemplate } : {}),
          })
          [Symbol.asyncIterator]();
        try {
          return { deltas, first: await deltas.next(), warnings, pluginName, controller, release };
        } catch (error) {
          if (this.settings.promptFormat === 'chat' || !isMissingChatTemplate(error)) throw error;
          this.withoutChatTemplate = true;
        }
      }
      const { tools, toolChoice, ...generateOptions } = options;
      if (this.settings.promptFormat !== 'text') {
        warnings.push({
          type: 'compatibility',
          feature: 'chat',
          details: `${pluginName} cannot chat with ${this.modelId} (no chat template): the messages are joined into one completion prompt.`,
        });
      }
      if (tools) warnings.push({ type: 'unsupported', feature: 'tools', details: 'Tools need a chat template.' });
      const prompt = toCompletionText(call.prompt);
      const deltas = plugin.generate!(prompt, generateOptions)[Symbol.asyncIterator]();
      return { deltas, first: await deltas.next(), warnings, pluginName, controller, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * Generates the whole answer: text and tool calls, usage, finish reason.
   *
   * @throws an `AbortError` when the call's signal aborts; PIO's typed errors (ContextLengthError, ...) as they are.
   */
  async doGenerate(call: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const started = await this.start(call);
    const timestamp = new Date();
    try {
      const content: LanguageModelV3Content[] = [];
      let text = '';
      const flush = () => {
        if (text) content.push({ type: 'text', text });
        text = '';
      };
      for (let step = started.first; !step.done; step = await started.deltas.next()) {
        const delta = step.value;
        if (delta.type === 'tool-call') {
          flush();
          const { id, name, arguments: input } = delta.toolCall;
          content.push({ type: 'tool-call', toolCallId: id, toolName: name, input });
          continue;
        }
        text += delta.text;
        if (delta.type !== 'finish') continue;
        if (delta.finishReason === 'abort') throw abortError(call.abortSignal);
        flush();
        return {
          content,
          finishReason: toFinishReason(delta.finishReason),
          usage: toUsage(delta.usage),
          warnings: started.warnings,
          response: { id: `pio-${randomUUID()}`, timestamp, modelId: this.modelId },
          providerMetadata: metadata(started.pluginName, delta.usage),
        };
      }
      throw new PioError({
        code: 'PIO_STREAM_ENDED',
        message: `${started.pluginName} ended a generation of ${this.modelId} without a finish delta.`,
      });
    } finally {
      started.release();
    }
  }

  /**
   * Streams the answer as AI SDK stream parts: `stream-start` (warnings),
   * `response-metadata`, text blocks (`text-start`, `text-delta` per token,
   * `text-end`), tool calls (`tool-input-start`/`-delta`/`-end`, then
   * `tool-call`), and `finish` with usage. Cancelling the stream aborts the
   * generation; the call's signal errors the stream with an `AbortError`.
   */
  async doStream(call: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const started = await this.start(call);
    const { deltas, controller } = started;
    let next: IteratorResult<GenerationDelta> | undefined = started.first;
    let textId: string | undefined;
    let blocks = 0;
    const modelId = this.modelId;
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      start(sink) {
        sink.enqueue({ type: 'stream-start', warnings: started.warnings });
        sink.enqueue({ type: 'response-metadata', id: `pio-${randomUUID()}`, timestamp: new Date(), modelId });
      },
      // Each pull must enqueue at least one part (or end the stream): a pull that enqueues nothing is not
      // called again. Tokens of tool-call markup have no text, so deltas are read until one shows.
      async pull(sink) {
        try {
          const endText = () => {
            if (textId) sink.enqueue({ type: 'text-end', id: textId });
            textId = undefined;
          };
          for (;;) {
            const step = next ?? (await deltas.next());
            next = undefined;
            if (step.done) {
              started.release();
              sink.error(
                new PioError({
                  code: 'PIO_STREAM_ENDED',
                  message: `${started.pluginName} ended a generation of ${modelId} without a finish delta.`,
                }),
              );
              return;
            }
            const delta = step.value;
            if (delta.type === 'tool-call') {
              endText();
              const { id, name, arguments: input } = delta.toolCall;
              sink.enqueue({ type: 'tool-input-start', id, toolName: name });
              sink.enqueue({ type: 'tool-input-delta', id, delta: input });
              sink.enqueue({ type: 'tool-input-end', id });
              sink.enqueue({ type: 'tool-call', toolCallId: id, toolName: name, input });
              return;
            }
            if (delta.text) {
              if (!textId) {
                textId = `text-${blocks++}`;
                sink.enqueue({ type: 'text-start', id: textId });
              }
              sink.enqueue({ type: 'text-delta', id: textId, delta: delta.text });
            }
            if (delta.type !== 'finish') {
              if (delta.text) return;
              continue;
            }
            started.release();
            if (delta.finishReason === 'abort') {
              sink.error(abortError(call.abortSignal));
              return;
            }
            endText();
            sink.enqueue({
              type: 'finish',
              finishReason: toFinishReason(delta.finishReason),
              usage: toUsage(delta.usage),
              providerMetadata: metadata(started.pluginName, delta.usage),
            });
            sink.close();
            return;
          }
        } catch (error) {
          started.release();
          sink.error(error);
        }
      },
      async cancel(reason) {
        controller.abort(reason);
        started.release();
        await deltas.return?.();
      },
    });
    return { stream };
  }
}
