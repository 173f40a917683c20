import type { PluginFactory } from '@pio/core';
import { type DecoderModelDefinition, DecoderTextPlugin } from '@pio/engine';
import { decoderConfigSupport } from '@pio/onnx';
import { buildQwen3Graph } from './architecture/build-qwen3-graph.js';
import { Qwen3Config } from './config.js';

/** Everything the engine needs to run Qwen3 checkpoints. */
export const qwen3Definition: DecoderModelDefinition<Qwen3Config> = {
  configClass: Qwen3Config,
  buildVersion: 'qwen3-8',
  supportsConfig: decoderConfigSupport,
  buildGraphs: buildQwen3Graph,
};

/** A Qwen3 plugin bound to the engine. */
export type Qwen3Plugin = DecoderTextPlugin<Qwen3Config>;

/** The factory named by this package's `pio.entryPoint`: creates an uninitialized plugin. */
export const createQwen3Plugin: PluginFactory<Qwen3Plugin> = (context) =>
  new DecoderTextPlugin(context, qwen3Definition);
