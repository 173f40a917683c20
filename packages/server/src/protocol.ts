import type { ChatMessage, ChatOptions, GenerateOptions, GenerationDelta, RuntimeFields } from '@pio/core';

/** What a model worker is started with (its `workerData`). */
export interface WorkerInit {
  /** Absolute path of the checkpoint folder. */
  checkpoint: string;
  /** Runtime settings for the plugin (dtype, context, threads). */
  runtime: Partial<RuntimeFields>;
  /** Where built graphs are cached; the plugin's default when absent. */
  cacheDir?: string;
  /** Folders plugins are discovered from. */
  roots: string[];
  /** Export conditions plugin entry points are resolved with. */
  conditions: string[];
}

/** Generation options that cross the thread boundary (no signal: aborts go through a shared flag). */
export type WorkerGenerateOptions = Omit<ChatOptions, 'signal' | 'chatTemplate'>;

/** A generation job sent to the worker. */
export interface GenerateRequest {
  type: 'generate';
  /** Job id, echoed in every reply. */
  id: number;
  /** A completion of a prompt, or a chat answer. */
  input: { kind: 'completion'; prompt: string | { inputIds: number[] } } | { kind: 'chat'; messages: ChatMessage[] };
  options: WorkerGenerateOptions;
  /** One Int32; the main thread stores 1 to abort. Read by the worker after every token. */
  abortFlag: SharedArrayBuffer;
}

/** Messages from the main thread to a worker. */
export type ToWorker = GenerateRequest | { type: 'close' };

/** An error as it crosses the thread boundary. */
export interface SerializedError {
  name: string;
  message: string;
  /** The PioError code, when it was one. */
  code?: string;
  /** True for a ContextLengthError. */
  contextLength?: boolean;
  stack?: string;
}

/** What a loaded model reports about itself. */
export interface WorkerModelInfo {
  /** The plugin package that runs it. */
  pluginName: string;
  /** The context length in force, when the plugin tells. */
  contextLength?: number;
  /** Token ids are below this, when the plugin tells (its config's `vocab_size`). */
  vocabSize?: number;
  /** Milliseconds to discover, load and initialize. */
  loadMs: number;
}

/** Messages from a worker to the main thread. */
export type FromWorker =
  | { type: 'ready'; info: WorkerModelInfo }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'delta'; id: number; delta: GenerationDelta }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'done'; id: number };
