/**
 * What kind of component a plugin provides, after the seed's `PluginType`.
 * Only `model` plugins are loaded by the v1 host; the others are reserved so a
 * manifest can already say what it is.
 */
export const PluginType = {
  /** A whole model: config, weights, graph, tokenizer, generation. */
  Model: 'model',
  /** An attention implementation other plugins can use. */
  Attention: 'attention',
  /** A KV cache or memory manager. */
  Memory: 'memory',
  /** A graph or runtime optimization. */
  Optimization: 'optimization',
  /** Hardware support (an execution provider). */
  Hardware: 'hardware',
} as const;

/** One of the {@link PluginType} values. */
export type PluginType = (typeof PluginType)[keyof typeof PluginType];

/** Every value of {@link PluginType}, for validation. */
export const pluginTypes: readonly PluginType[] = Object.values(PluginType);

/** What a model takes in or puts out. */
export type Modality = 'text' | 'image' | 'audio' | 'video';

/** Every {@link Modality}, for validation. */
export const modalities: readonly Modality[] = ['text', 'image', 'audio', 'video'];
