import type { ConfigSupport, DecoderConfig, ProgressCallback } from '@pio/core';
import type { DecoderIoStyle } from '../decoder/graph-save-options.js';

// Types only (no runtime imports): what a model package gives the engine's decoder plugin and exporter.

/** The static side of a config class: {@link DecoderConfig} or a subclass. */
export type ConfigClass<TConfig extends DecoderConfig> = typeof DecoderConfig & {
  new (init?: Record<string, unknown>, options?: { source?: string }): TConfig;
};

/**
 * The weights a graph builder reads, by Hugging Face tensor name, lazily, as
 * float32: a `WeightStore` of `@pio/safetensors` for a folder, a
 * `GgufWeightSource` (dequantized, llama.cpp names mapped) for a GGUF file.
 */
export interface CheckpointWeights {
  /** The folder, file or index read, for messages. */
  readonly source: string;
  /** True when the checkpoint has the tensor. */
  has(name: string): boolean;
  /** The tensor's values as float32. */
  read(name: string): Promise<Float32Array>;
  /** Throws (naming the file, the tensor and both shapes) when the tensor's shape is not `expected`. */
  expectShape(name: string, expected: readonly number[]): Promise<unknown>;
}

/** What a model's graph builder is given. */
export interface BuildGraphsArgs<TConfig extends DecoderConfig> {
  /** The validated config, runtime fields included (dtype). */
  config: TConfig;
  /** The checkpoint's weights, read lazily. */
  weights: CheckpointWeights;
  /** Folder to write the graph files (and their external data) into. */
  outDir: string;
  /** Progress of the build. */
  onProgress?: ProgressCallback;
  /**
   * The graphs' I/O. `'pio'` (the default): graphs the engine runs, following
   * {@link decoderIo}. `'optimum'`: one graph with Hugging Face Optimum's I/O
   * for transformers.js, named `graphs.decode`. Save with
   * {@link graphSaveOptions}, which names the files for the style.
   */
  ioStyle?: DecoderIoStyle;
  /** Where the weights go, overriding the style's default (see {@link graphSaveOptions}). */
  externalData?: boolean | 'auto';
}

/** What a model's graph builder returns. */
export interface BuiltGraphs {
  /** Graph files relative to `outDir`; both follow {@link decoderIo}. */
  graphs: { decode: string; prefill?: string };
  /** Parameters in the weights. */
  parameters: number;
  /** Bytes of weights in the graphs. */
  weightBytes: number;
}

/** What a model's graph preparer is given (see {@link DecoderModelDefinition.prepareGraphs}). */
export interface PrepareGraphsArgs<TConfig extends DecoderConfig> {
  /** The checkpoint folder, absolute. */
  checkpoint: string;
  /** The validated config, runtime fields included. */
  config: TConfig;
  /** Folder to write the graph files into (a build-cache folder). */
  outDir: string;
  /** Progress of the preparation. */
  onProgress?: ProgressCallback;
}

/**
 * Everything model-specific about a decoder-only text model: its config class
 * and how to build its graphs. A model package hands one to
 * {@link DecoderTextPlugin}; the engine does the rest.
 */
export interface DecoderModelDefinition<TConfig extends DecoderConfig> {
  /** The model's config class. */
  configClass: ConfigClass<TConfig>;
  /**
   * An extra salt of the build key. The key already changes with the code of
   * the model package and of `@pio/onnx` (their `src`/`dist` files are
   * hashed); bump this for what that misses (a dependency outside them).
   */
  buildVersion: string;
  /** Extra checks of a config beyond its schema (say why not). */
  supportsConfig?(config: TConfig): ConfigSupport;
  /**
   * Writes the model's graphs for `config` from `weights` into `outDir`, with
   * the I/O of `args.ioStyle`. Absent when the definition has
   * {@link DecoderModelDefinition.prepareGraphs} instead.
   */
  buildGraphs?(args: BuildGraphsArgs<TConfig>): Promise<BuiltGraphs>;
  /**
   * The alternative to `buildGraphs` for checkpoints that already hold graphs
   * (a transformers.js / Optimum ONNX folder): writes graphs following
   * {@link decoderIo} into `outDir` from the checkpoint's files (no safetensors
   * are opened). The result is cached like a build, keyed on config.json, the
   * files under `onnx/` (name, size, mtime) and {@link DecoderModelDefinition.buildOptions}.
   */
  prepareGraphs?(args: PrepareGraphsArgs<TConfig>): Promise<BuiltGraphs>;
  /** Extra settings the graphs depend on (for example the chosen ONNX variant); part of the build key. */
  buildOptions?(config: TConfig): Record<string, unknown>;
  /**
   * Floats per token per layer the graphs' cache holds, for a model whose
   * cache is not K and V of `numKeyValueHeads * headDim` each (the default).
   * Latent attention returns one compressed key row and `valueRowSize: 0`.
   * The config's `kvCacheBytes` (memory check, `pio info`) must agree.
   */
  cacheShape?(config: TConfig): DecoderCacheShape;
}

/** The cache rows of one layer per token (see {@link DecoderModelDefinition.cacheShape}). */
export interface DecoderCacheShape {
  /** Floats per token of `past_key.{i}` / `new_key.{i}`. */
  keyRowSize: number;
  /** Floats per token of `past_value.{i}` / `new_value.{i}`; 0 = the graph has no values. */
  valueRowSize: number;
}
