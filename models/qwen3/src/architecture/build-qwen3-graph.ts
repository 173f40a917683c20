import { type BuildGraphsArgs, type BuiltGraphs, decoderIo, graphSaveOptions } from '@pio/engine';
import { decoderOptionsFromConfig, writeDecoderTransformer } from '@pio/onnx';
import type { Qwen3Config } from '../config.js';

/**
 * Builds the decoder graph of a Qwen3 checkpoint: the shared Llama-style
 * decoder with Qwen3's per-head RMSNorm of queries and keys before the rotary
 * embedding (`q_norm`, `k_norm`), with the I/O of `args.ioStyle`, saved into
 * `outDir` as `graphSaveOptions` says: `decoder.onnx` (PIO's engine) or
 * `model.onnx` (transformers.js).
 */
export async function buildQwen3Graph(args: BuildGraphsArgs<Qwen3Config>): Promise<BuiltGraphs> {
  const { config, weights, outDir, onProgress } = args;
  const written = await writeDecoderTransformer(weights, {
    ...decoderOptionsFromConfig(config, args.ioStyle === 'optimum' ? 'optimum' : decoderIo),
    attentionBias: config.attentionBias,
    mlpBias: false,
    // One graph for prompts and steps: each layer's attention switches to fused causal attention for a prompt,
    // so onnxruntime loads and packs the weights once (one session).
    switchAttention: args.ioStyle !== 'optimum',
    queryKeyNorm: true,
    onLayer: (built, total) => onProgress?.({ phase: 'build-graph', completed: built, total, unit: 'layers' }),
  }, { dir: outDir, ...graphSaveOptions(args) });
  return {
    graphs: { decode: written.modelFile },
    parameters: written.parameters,
    weightBytes: written.dataBytes,
  };
}
