import type { PluginFactory } from '@pio/core';
import { type DecoderModelDefinition, DecoderTextPlugin } from '@pio/engine';
import { decoderConfigSupport } from '@pio/onnx';
import { buildGlm4MoeLiteGraph } from './architecture/build-glm4-moe-lite-graph.js';
import { Glm4MoeLiteConfig } from './config.js';
import { latentCacheShape } from './kv-cache/latent-cache-shape.js';

/** Everything the engine needs to run GLM-4.7-Flash checkpoints. */
export const glm4MoeLiteDefinition: DecoderModelDefinition<Glm4MoeLiteConfig> = {
  configClass: Glm4MoeLiteConfig,
  buildVersion: 'glm4-moe-lite-1',
  supportsConfig: decoderConfigSupport,
  buildGraphs: buildGlm4MoeLiteGraph,
  cacheShape: latentCacheShape,
};

/** A GLM-4.7-Flash plugin bound to the engine. */
export type Glm4MoeLitePlugin = DecoderTextPlugin<Glm4MoeLiteConfig>;

/** The factory named by this package's `pio.entryPoint`: creates an uninitialized plugin. */
export const createGlm4MoeLitePlugin: PluginFactory<Glm4MoeLitePlugin> = (context) =>
  new DecoderTextPlugin(context, glm4MoeLiteDefinition);
