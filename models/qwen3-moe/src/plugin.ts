import type { PluginFactory } from '@pio/core';
import { type DecoderModelDefinition, DecoderTextPlugin } from '@pio/engine';
import { decoderConfigSupport } from '@pio/onnx';
import { buildQwen3MoeGraph } from './architecture/build-qwen3-moe-graph.js';
import { Qwen3MoeConfig } from './config.js';

/** Everything the engine needs to run Qwen3-MoE checkpoints. */
export const qwen3MoeDefinition: DecoderModelDefinition<Qwen3MoeConfig> = {
  configClass: Qwen3MoeConfig,
  buildVersion: 'qwen3-moe-1',
  supportsConfig: decoderConfigSupport,
  buildGraphs: buildQwen3MoeGraph,
};

/** A Qwen3-MoE plugin bound to the engine. */
export type Qwen3MoePlugin = DecoderTextPlugin<Qwen3MoeConfig>;

/** The factory named by this package's `pio.entryPoint`: creates an uninitialized plugin. */
export const createQwen3MoePlugin: PluginFactory<Qwen3MoePlugin> = (context) =>
  new DecoderTextPlugin(context, qwen3MoeDefinition);
