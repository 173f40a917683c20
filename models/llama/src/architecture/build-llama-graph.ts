import { type BuildGraphsArgs, type BuiltGraphs, decoderIo, graphSaveOptions } from '@pio/engine';
import { decoderOptionsFromConfig, writeDecoderTransformer } from '@pio/onnx';
import type { LlamaConfig } from '../config.js';

/**
 * Builds the decoder graph of a Llama-family checkpoint (the shared
 * Llama-style decoder of `@pio/onnx` with Llama's optional biases, or
 * Qwen2's on q/k/v only) with the
 * I/O of `args.ioStyle`, and saves it into `outDir` as `graphSaveOptions`
 * says: `decoder.onnx` (PIO's engine) or `model.onnx` (transformers.js).
 */
export async function buildLlamaGraph(args: BuildGraphsArgs<LlamaConfig>): Promise<BuiltGraphs> {
  const { config, weights, outDir, onProgress } = args;
  const written = await writeDecoderTransformer(
    weights,
    {
      ...decoderOptionsFromConfig(config, args.ioStyle === 'optimum' ? 'optimum' : decoderIo),
      // Qwen2: q/k/v biases are required, o_proj has none (a stored one would still be read: bias false reads what is there).
      attentionBias: config.attentionBias || config.queryKeyValueBias,
      outputBias: config.attentionBias,
      mlpBias: config.mlpBias,
      // One graph for prompts and steps: each layer's attention switches to fused causal attention for a prompt,
      // so onnxruntime loads and packs the weights once (one session).
      switchAttention: args.ioStyle !== 'optimum',
      queryKeyNorm: false,
      onLayer: (built, total) => onProgress?.({ phase: 'build-graph', completed: built, total, unit: 'layers' }),
    },
    { dir: outDir, ...graphSaveOptions(args) },
  );
  return {
    graphs: { decode: written.modelFile },
    parameters: written.parameters,
    weightBytes: written.dataBytes,
  };
}
