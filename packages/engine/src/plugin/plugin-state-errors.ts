import { PluginStateError } from '@pio/core';

// Every PluginStateError of DecoderTextPlugin, in one place so the messages stay consistent.

/** A method was called before `initialize()` or after `cleanup()`. */
export function notInitializedError(pluginName: string): PluginStateError {
  return new PluginStateError({ pluginName, reason: 'the plugin is not initialized' });
}

/** `initialize()` was given neither a checkpoint nor a config. */
export function nothingToInitializeError(pluginName: string): PluginStateError {
  return new PluginStateError({
    pluginName,
    reason: 'initialize() needs a checkpoint folder or a config',
    hint: 'Pass { checkpoint: "path/to/model" } (a Hugging Face folder) or { config }.',
  });
}

/** `loadModel()` on a plugin initialized from a config alone. */
export function noWeightsError(pluginName: string): PluginStateError {
  return new PluginStateError({
    pluginName,
    reason: 'there are no weights to load: the plugin was initialized from a config alone',
    hint: 'Initialize it with { checkpoint } to run the model.',
  });
}

/** A model definition with neither `buildGraphs` nor `prepareGraphs`. */
export function noGraphBuilderError(pluginName: string): PluginStateError {
  return new PluginStateError({
    pluginName,
    reason: 'its model definition has neither buildGraphs nor prepareGraphs',
    hint: 'Give the DecoderModelDefinition one of them.',
  });
}

/** Text in or out on a plugin initialized from a config alone. */
export function noTokenizerError(pluginName: string): PluginStateError {
  return new PluginStateError({
    pluginName,
    reason: 'there is no tokenizer: the plugin was initialized from a config alone',
    hint: 'Initialize it with { checkpoint } (a folder with tokenizer.json), or pass token ids.',
  });
}

/** `method` runs the model, and no model is loaded. */
export function noModelError(pluginName: string, method: string): PluginStateError {
  return new PluginStateError({
    pluginName,
    reason: `${method}() needs a loaded model`,
    hint: 'Initialize the plugin with { checkpoint } so its weights are loaded.',
  });
}

/** A call that owns the KV cache while a generation runs (or the reverse). */
export function busyError(pluginName: string): PluginStateError {
  return new PluginStateError({
    pluginName,
    reason: 'a generation is already running on this plugin instance',
    hint: 'Wait for it to finish (or abort it), or activate a second instance.',
  });
}

/** `exportTransformersJs()` on a plugin initialized from a config alone. */
export function noCheckpointToExportError(pluginName: string): PluginStateError {
  return new PluginStateError({
    pluginName,
    reason: 'there is no checkpoint to export: the plugin was initialized from a config alone',
    hint: 'Initialize it with { checkpoint } (a Hugging Face folder with weights and tokenizer).',
  });
}

/** `exportTransformersJs()` on a GGUF checkpoint, which the exporter does not read. */
export function ggufExportError(pluginName: string, ggufFile: string): PluginStateError {
  return new PluginStateError({
    pluginName,
    reason: `the checkpoint is a GGUF file (${ggufFile}); the transformers.js export reads Hugging Face folders`,
    hint: 'Export from the safetensors folder of the model.',
  });
}
