import { PluginStateError } from '@pio/core';

/** What a PluginStateError says: why the call cannot run now, and what to do (PluginStateError's default hint when absent). */
interface StateMessage {
  reason: string;
  hint?: string;
}

// Every PluginStateError of DecoderTextPlugin, in one place so the messages stay consistent.
const stateMessages = {
  /** A method was called before `initialize()` or after `cleanup()`. */
  notInitialized: () => ({ reason: 'the plugin is not initialized' }),
  /** `initialize()` was given neither a checkpoint nor a config. */
  nothingToInitialize: () => ({
    reason: 'initialize() needs a checkpoint folder or a config',
    hint: 'Pass { checkpoint: "path/to/model" } (a Hugging Face folder) or { config }.',
  }),
  /** `loadModel()` on a plugin initialized from a config alone. */
  noWeights: () => ({
    reason: 'there are no weights to load: the plugin was initialized from a config alone',
    hint: 'Initialize it with { checkpoint } to run the model.',
  }),
  /** A model definition with neither `buildGraphs` nor `prepareGraphs`. */
  noGraphBuilder: () => ({
    reason: 'its model definition has neither buildGraphs nor prepareGraphs',
    hint: 'Give the DecoderModelDefinition one of them.',
  }),
  /** Text in or out on a plugin initialized from a config alone. */
  noTokenizer: () => ({
    reason: 'there is no tokenizer: the plugin was initialized from a config alone',
    hint: 'Initialize it with { checkpoint } (a folder with tokenizer.json), or pass token ids.',
  }),
  /** `method` runs the model, and no model is loaded. */
  noModel: (method: string) => ({
    reason: `${method}() needs a loaded model`,
    hint: 'Initialize the plugin with { checkpoint } so its weights are loaded.',
  }),
  /** A call that owns the KV cache while a generation runs (or the reverse). */
  busy: () => ({
    reason: 'a generation is already running on this plugin instance',
    hint: 'Wait for it to finish (or abort it), or activate a second instance.',
  }),
  /** `exportTransformersJs()` on a plugin initialized from a config alone. */
  noCheckpointToExport: () => ({
    reason: 'there is no checkpoint to export: the plugin was initialized from a config alone',
    hint: 'Initialize it with { checkpoint } (a Hugging Face folder with weights and tokenizer).',
  }),
  /** `exportTransformersJs()` on a GGUF checkpoint (`ggufFile`), which the exporter does not read. */
  ggufExport: (ggufFile: string) => ({
    reason: `the checkpoint is a GGUF file (${ggufFile}); the transformers.js export reads Hugging Face folders`,
    hint: 'Export from the safetensors folder of the model.',
  }),
} satisfies Record<string, (...details: string[]) => StateMessage>;

/** A state a DecoderTextPlugin call can be refused in (see {@link pluginStateError}). */
export type PluginStateProblem = keyof typeof stateMessages;

/**
 * The PluginStateError of `pluginName` for `problem`, given the details its
 * message names (`noModel`: the method; `ggufExport`: the GGUF file).
 */
export function pluginStateError<Problem extends PluginStateProblem>(
  pluginName: string,
  problem: Problem,
  ...details: Parameters<(typeof stateMessages)[Problem]>
): PluginStateError {
  const message = stateMessages[problem] as (...details: string[]) => StateMessage;
  return new PluginStateError({ pluginName, ...message(...details) });
}
