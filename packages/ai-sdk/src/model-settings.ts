import type { ProgressCallback, RuntimeFields } from '@pio/core';

/** Settings of one PIO language model: how it is opened and how it is prompted. */
export interface PioModelSettings {
  /** Runtime settings of the plugin: `dtype` (`float32`, `int8`, `int4`), `maxContextLength`, `numThreads`, ... */
  runtime?: Partial<RuntimeFields>;
  /** Where built graphs are cached; the provider's, else PIO's default (`$PIO_CACHE_DIR`, `~/.cache/pio`). */
  cacheDir?: string;
  /** A Jinja chat template to use instead of the model's own. */
  chatTemplate?: string;
  /**
   * How the AI SDK's messages reach the model: `chat` renders them with the
   * chat template (tools included); `text` joins their text into one
   * completion prompt (base models). Default: `chat` when the plugin can chat
   * and the model has a template, else `text` (with a `compatibility` warning).
   */
  promptFormat?: 'chat' | 'text';
}

/** Settings of a provider made by `createPio`. */
export interface PioProviderSettings {
  /** Folders plugins are discovered from. Default: the current directory, then this package's install. */
  roots?: readonly string[];
  /** Export conditions plugin entry points are resolved with. Default: this process's `--conditions`, `import`, `default`. */
  conditions?: readonly string[];
  /** Where built graphs are cached, for every model of this provider (a model's own `cacheDir` wins). */
  cacheDir?: string;
  /** Runtime settings for every model of this provider (a model's own `runtime` fields win). */
  runtime?: Partial<RuntimeFields>;
  /** Called with each model's loading phases (graph build, weights, session). */
  onProgress?: ProgressCallback;
}

/**
 * PIO's own call options, passed as `providerOptions: { pio: { ... } }` of an
 * AI SDK call: the sampling settings the AI SDK has no field for.
 */
export interface PioCallOptions {
  /** Drop tokens less likely than `minP` times the most likely one (0: off). */
  minP?: number;
  /** Divides positive (multiplies negative) logits of tokens already seen (1: off). */
  repetitionPenalty?: number;
  /** Token ids that end generation, besides the model's EOS ids. */
  stopTokenIds?: number[];
  /** Cuts a prompt longer than the context from the left instead of failing. */
  truncatePrompt?: boolean;
}
