import { type BuildGraphsArgs, type BuiltGraphs, decoderIo } from '@pio/engine';
import { buildDecoderTransformer, decoderOptionsFromConfig } from '@pio/onnx';
import type { LlamaConfig } from '../config.js';

/**
 * Builds the decoder graph of a Llama-family checkpoint (the shared
 * Llama-style decoder of `@pio/onnx` with Llama's optional biases) and saves
 * it, weights as external data, into `outDir` as `decoder.onnx`.
 */
export async function buildLlamaGraph(args: BuildGraphsArgs<LlamaConfig>): Promise<BuiltGraphs> {
  const { config, weights, outDir, onProgress } = args;
  const { graph, parameters } = await buildDecoderTransformer(weights, {
    ...decoderOptionsFromConfig(config, decoderIo),
    attentionBias: config.attentionBias,
    mlpBias: config.mlpBias,
    queryKeyNorm: false,
    onLayer: (built, total) => onProgress?.({ phase: 'build-graph', completed: built, total, unit: 'layers' }),
  });
  const saved = await graph.save(outDir, { modelFile: 'decoder.onnx', externalData: true });
  return { graphs: { decode: 'decoder.onnx' }, parameters, weightBytes: saved.dataBytes };
}
