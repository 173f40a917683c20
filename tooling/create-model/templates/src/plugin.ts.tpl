import type { ConfigSupport, PluginFactory } from '@pio/core';
import { type DecoderModelDefinition, DecoderTextPlugin } from '@pio/engine';
import { decoderConfigSupport } from '@pio/onnx';
import { build__Pascal__Graph } from './architecture/build-__name__-graph.js';
import { __Pascal__Config } from './config.js';

/**
 * Everything the engine needs to run __displayName__ checkpoints: the config
 * class, the graph builder, and the configs it can run. `DecoderTextPlugin`
 * does the rest (config.json, tokenizer, weights, build cache, KV cache,
 * sampling, chat templates, streaming).
 */
export const __camel__Definition: DecoderModelDefinition<__Pascal__Config> = {
  configClass: __Pascal__Config,
  // Change it whenever build__Pascal__Graph builds different graphs, so cached builds are rebuilt.
  buildVersion: '__name__-1',
  supportsConfig: supports__Pascal__Config,
  buildGraphs: build__Pascal__Graph,
};

/**
 * Whether the graph of build__Pascal__Graph can run `config` (beyond its
 * schema and its architecture, which the engine checks): the shared decoder's
 * MLP is SwiGLU, and `decoderConfigSupport` checks rotary scaling and dtype.
 */
export function supports__Pascal__Config(config: __Pascal__Config): ConfigSupport {
  if (config.hiddenAct !== 'silu') {
    return {
      supported: false,
      field: 'hiddenAct',
      reason: `hidden_act "${config.hiddenAct}" is not supported: the decoder's MLP uses silu`,
    };
  }
  return decoderConfigSupport(config);
}

/** A __displayName__ plugin bound to the engine. */
export type __Pascal__Plugin = DecoderTextPlugin<__Pascal__Config>;

/** The factory named by this package's `pio.entryPoint`: creates an uninitialized plugin. */
export const create__Pascal__Plugin: PluginFactory<__Pascal__Plugin> = (context) =>
  new DecoderTextPlugin(context, __camel__Definition);
