import type { PluginFactory } from '@pio/core';
import { type DecoderModelDefinition, DecoderTextPlugin } from '@pio/engine';
import { decoderConfigSupport } from '@pio/onnx';
import { buildLlamaGraph } from './architecture/build-llama-graph.js';
import { LlamaConfig } from './config.js';

/** Everything the engine needs to run Llama-family checkpoints. */
export const llamaDefinition: DecoderModelDefinition<LlamaConfig> = {
  configClass: LlamaConfig,
  buildVersion: 'llama-8',
  supportsConfig: decoderConfigSupport,
  buildGraphs: buildLlamaGraph,
};

/** A Llama plugin bound to the engine. */
export type LlamaPlugin = DecoderTextPlugin<LlamaConfig>;

/** The factory named by this package's `pio.entryPoint`: creates an uninitialized plugin. */
export const createLlamaPlugin: PluginFactory<LlamaPlugin> = (context) =>
  new DecoderTextPlugin(context, llamaDefinition);
