import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoSuchModelError, type ProviderV3 } from '@ai-sdk/provider';
import { type OpenedTextModel, openTextModel } from '@pio/core';
import { isRepoId, resolveModelPath } from '@pio/hub';
import type { PioModelSettings, PioProviderSettings } from './model-settings.js';
import { PioLanguageModel } from './pio-language-model.js';

/**
 * The PIO provider for the AI SDK: call it with a checkpoint to get a
 * language model. Models open on first use and stay open, shared by every
 * call and every language model of the same checkpoint and settings, until
 * {@link PioProvider.close}.
 */
export interface PioProvider extends ProviderV3, AsyncDisposable {
  /** A language model for `checkpoint`: a folder, a `.gguf` file, a `*.remote.json` descriptor, or `owner/name` of a model `pio pull` downloaded. */
  (checkpoint: string, settings?: PioModelSettings): PioLanguageModel;
  /** The same as calling the provider. */
  languageModel(checkpoint: string, settings?: PioModelSettings): PioLanguageModel;
  /** Closes every model this provider opened (their weights, sessions and caches); later calls open them again. */
  close(): Promise<void>;
}

/** A model opened once and shared; a failed open is forgotten so that the next call tries again. */
class SharedModel {
  private opening: Promise<OpenedTextModel> | undefined;

  constructor(private readonly openModel: () => Promise<OpenedTextModel>) {}

  get(): Promise<OpenedTextModel> {
    if (!this.opening) {
      const opening = this.openModel();
      this.opening = opening;
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    return this.opening;
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const opened = await opening?.catch(() => undefined);
    await opened?.close();
  }
}

/**
 * Creates a PIO provider: models run in this process through the installed
 * PIO plugins (found by discovery from `roots`), no server.
 *
 * ```ts
 * import { createPio } from '@pio/ai-sdk';
 * import { generateText } from 'ai';
 *
 * const pio = createPio({ runtime: { dtype: 'int4' } });
 * const { text } = await generateText({ model: pio('./SmolLM2-135M-Instruct'), prompt: 'Name three colors.' });
 * await pio.close();
 * ```
 */
export function createPio(options: PioProviderSettings = {}): PioProvider {
  const roots = options.roots ?? [process.cwd(), dirname(fileURLToPath(import.meta.url))];
  const models = new Map<string, SharedModel>();

  const languageModel = (checkpoint: string, settings: PioModelSettings = {}): PioLanguageModel => {
    const cacheDir = settings.cacheDir ?? options.cacheDir;
    const runtime = { ...options.runtime, ...settings.runtime };
    const key = JSON.stringify([checkpoint, runtime, cacheDir ?? null]);
    let shared = models.get(key);
    if (!shared) {
      shared = new SharedModel(async () => {
        const path = isRepoId(checkpoint)
          ? resolveModelPath(checkpoint, cacheDir ? { cacheDir } : {})
          : resolve(checkpoint);
        return openTextModel({
          checkpoint: path,
          roots,
          runtime,
          ...(options.conditions ? { conditions: options.conditions } : {}),
          ...(cacheDir ? { cacheDir } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
      });
      models.set(key, shared);
    }
    const model = shared;
    return new PioLanguageModel(checkpoint, settings, () => model.get());
  };

  const close = async () => {
    const open = [...models.values()];
    models.clear();
    await Promise.all(open.map((model) => model.close()));
  };

  const noSuchModel = (modelType: 'embeddingModel' | 'imageModel') => (modelId: string) => {
    throw new NoSuchModelError({
      modelId,
      modelType,
      message: `PIO runs language models only: there is no ${modelType} ${modelId}.`,
    });
  };

  const provider = Object.assign(
    (checkpoint: string, settings?: PioModelSettings) => languageModel(checkpoint, settings),
    {
      specificationVersion: 'v3' as const,
      languageModel,
      embeddingModel: noSuchModel('embeddingModel'),
      imageModel: noSuchModel('imageModel'),
      close,
      [Symbol.asyncDispose]: close,
    },
  );
  return provider as PioProvider;
}

/** The default PIO provider (discovery from the current directory; default runtime settings). */
export const pio: PioProvider = createPio();
