import { type BuildGraphsArgs, type BuiltGraphs, decoderIo } from '@pio/engine';
import { buildDecoderTransformer, decoderOptionsFromConfig } from '@pio/onnx';
import type { Qwen3Config } from '../config.js';

/**
 * Builds the decoder graph of a Qwen3 checkpoint: the shared Llama-style
 * decoder with Qwen3's per-head RMSNorm of queries and keys before the rotary
 * embedding (`q_norm`, `k_norm`), saved with external data into `outDir` as
 * `decoder.onnx`.
 */
export async function buildQwen3Graph(args: BuildGraphsArgs<Qwen3Config>): Promise<BuiltGraphs> {
  const { config, weights, outDir, onProgress } = args;
  const { graph, parameters } = await buildDecoderTransformer(weights, {
    ...decoderOptionsFromConfig(config, decoderIo),
    attentionBias: config.attentionBias,
    mlpBias: false,
    queryKeyNorm: true,
    onLayer: (built, total) => onProgress?.({ phase: 'build-graph', completed: built, total, unit: 'layers' }),
  });
  const saved = await graph.save(outDir, { modelFile: 'decoder.onnx', externalData: true });
  return { graphs: { decode: 'decoder.onnx' }, parameters, weightBytes: saved.dataBytes };
}
