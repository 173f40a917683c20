import { PluginStateError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { pluginStateError } from './plugin-state-errors.js';

const plugin = '@pio/model-x';

describe('plugin state errors', () => {
  it.each([
    [
      pluginStateError(plugin, 'notInitialized'),
      '@pio/model-x: the plugin is not initialized',
      'Call initialize() first, and do not use a plugin after cleanup().',
    ],
    [
      pluginStateError(plugin, 'nothingToInitialize'),
      '@pio/model-x: initialize() needs a checkpoint folder or a config',
      'Pass { checkpoint: "path/to/model" } (a Hugging Face folder) or { config }.',
    ],
    [
      pluginStateError(plugin, 'noWeights'),
      '@pio/model-x: there are no weights to load: the plugin was initialized from a config alone',
      'Initialize it with { checkpoint } to run the model.',
    ],
    [
      pluginStateError(plugin, 'noGraphBuilder'),
      '@pio/model-x: its model definition has neither buildGraphs nor prepareGraphs',
      'Give the DecoderModelDefinition one of them.',
    ],
    [
      pluginStateError(plugin, 'noTokenizer'),
      '@pio/model-x: there is no tokenizer: the plugin was initialized from a config alone',
      'Initialize it with { checkpoint } (a folder with tokenizer.json), or pass token ids.',
    ],
    [
      pluginStateError(plugin, 'noModel', 'infer'),
      '@pio/model-x: infer() needs a loaded model',
      'Initialize the plugin with { checkpoint } so its weights are loaded.',
    ],
    [
      pluginStateError(plugin, 'busy'),
      '@pio/model-x: a generation is already running on this plugin instance',
      'Wait for it to finish (or abort it), or activate a second instance.',
    ],
    [
      pluginStateError(plugin, 'noCheckpointToExport'),
      '@pio/model-x: there is no checkpoint to export: the plugin was initialized from a config alone',
      'Initialize it with { checkpoint } (a Hugging Face folder with weights and tokenizer).',
    ],
    [
      pluginStateError(plugin, 'ggufExport', '/models/x.gguf'),
      '@pio/model-x: the checkpoint is a GGUF file (/models/x.gguf); the transformers.js export reads Hugging Face folders',
      'Export from the safetensors folder of the model.',
    ],
  ])('%#: %s', (error, message, hint) => {
    expect(PluginStateError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PIO_PLUGIN_STATE', pluginName: plugin, hint, message: `${message}\n${hint}` });
  });
});
