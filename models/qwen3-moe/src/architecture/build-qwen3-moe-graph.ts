import { type BuildGraphsArgs, type BuiltGraphs, decoderIo, graphSaveOptions } from '@pio/engine';
import { decoderOptionsFromConfig, writeDecoderTransformer } from '@pio/onnx';
import type { Qwen3MoeConfig } from '../config.js';
import { qwen3MoeFeedForward } from '../mlp/sparse-moe-block.js';

/**
 * Builds the decoder graph of a Qwen3-MoE checkpoint: the shared decoder of
 * `@pio/onnx` with Qwen3's attention (per-head q/k RMSNorm) and the
 * mixture-of-experts feed-forward of `mlp/`, streamed into `outDir` tensor
 * by tensor (the build holds about one expert, not the checkpoint).
 */
export async function buildQwen3MoeGraph(args: BuildGraphsArgs<Qwen3MoeConfig>): Promise<BuiltGraphs> {
  const { config, weights, outDir, onProgress } = args;
  const written = await writeDecoderTransformer(
    weights,
    {
      ...decoderOptionsFromConfig(config, args.ioStyle === 'optimum' ? 'optimum' : decoderIo),
      attentionBias: config.attentionBias,
      mlpBias: false,
      queryKeyNorm: true,
      switchAttention: args.ioStyle !== 'optimum',
      blocks: { feedForward: qwen3MoeFeedForward(config) },
      onLayer: (built, total) => onProgress?.({ phase: 'build-graph', completed: built, total, unit: 'layers' }),
    },
    { dir: outDir, ...graphSaveOptions(args) },
  );
  return { graphs: { decode: written.modelFile }, parameters: written.parameters, weightBytes: written.dataBytes };
}
