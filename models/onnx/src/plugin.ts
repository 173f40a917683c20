import { join } from 'node:path';
import type { ConfigSupport, PluginFactory } from '@pio/core';
import { type DecoderModelDefinition, DecoderTextPlugin, decoderIo } from '@pio/engine';
import { prepareOptimumDecoder } from '@pio/onnx';
import { OnnxFolderConfig } from './config.js';
import { resolveOnnxVariant } from './variants.js';

/**
 * Runs exported ONNX folders through the engine: instead of building graphs
 * from safetensors, `prepareGraphs` rewrites the chosen `onnx/model*.onnx`
 * into the engine's decoder I/O (see `rewriteOptimumDecoder` in @pio/onnx);
 * the result is cached like a build.
 */
export const onnxDefinition: DecoderModelDefinition<OnnxFolderConfig> = {
  configClass: OnnxFolderConfig,
  buildVersion: 'onnx-3',
  buildOptions: (config) => ({ variant: config.variant ?? null, pastPadding: config.pastPadding ?? null }),
  supportsConfig: onnxConfigSupport,
  async prepareGraphs({ checkpoint, config, outDir, onProgress }) {
    onProgress?.({ phase: 'build', completed: 0, total: 1 });
    const variant = await resolveOnnxVariant(checkpoint, config.variant, config.dtype);
    const prepared = await prepareOptimumDecoder({
      modelPath: join(checkpoint, 'onnx', variant.file),
      outDir,
      io: decoderIo,
      ...(config.pastPadding ? { rewrite: { pastPadding: config.pastPadding } } : {}),
      shape: {
        numLayers: config.numHiddenLayers,
        numKeyValueHeads: config.numKeyValueHeads,
        headDim: config.headDim,
        hiddenSize: config.hiddenSize,
        vocabSize: config.vocabSize,
      },
    });
    onProgress?.({ phase: 'build', completed: 1, total: 1 });
    return {
      graphs: { decode: prepared.modelFile },
      parameters: prepared.parameters,
      weightBytes: prepared.weightBytes,
    };
  },
};

// The graph's cache and logits are sized from these: defaults would silently be wrong.
const requiredKeys = ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size'];

/**
 * Any decoder-only architecture runs, as long as its config.json gives the
 * sizes the rewrite needs (Llama-style key names) and it is not an
 * encoder-decoder model. A config built in code (no config.json) is accepted.
 */
export function onnxConfigSupport(config: OnnxFolderConfig): ConfigSupport {
  const json = config.huggingFace;
  if (!json) return { supported: true };
  if (json.is_encoder_decoder === true) {
    return {
      supported: false,
      field: 'architectures',
      reason: 'encoder-decoder models are not supported; only decoder-only text generation runs',
    };
  }
  const missing = requiredKeys.filter((key) => typeof json[key] !== 'number');
  if (missing.length > 0) {
    return {
      supported: false,
      field: 'architectures',
      reason: `config.json does not give ${missing.join(', ')}; the ONNX graph's KV cache and logits are sized from them`,
    };
  }
  return { supported: true };
}

/** An ONNX-folder plugin bound to the engine. */
export type OnnxPlugin = DecoderTextPlugin<OnnxFolderConfig>;

/** The factory named by this package's `pio.entryPoint`: creates an uninitialized plugin. */
export const createOnnxPlugin: PluginFactory<OnnxPlugin> = (context) => new DecoderTextPlugin(context, onnxDefinition);
