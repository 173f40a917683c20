import { type BuildGraphsArgs, type BuiltGraphs, decoderIo, graphSaveOptions } from '@pio/engine';
import { decoderOptionsFromConfig, GraphError, writeDecoderTransformer } from '@pio/onnx';
import { latentAttention } from '../attention/latent-attention.js';
import type { Glm4MoeLiteConfig } from '../config.js';
import { glmFeedForward } from '../mlp/moe-with-shared-expert.js';

/**
 * Builds the decoder graph of a GLM-4.7-Flash checkpoint: the shared decoder
 * of `@pio/onnx` with the latent attention of `attention/` (one 576-wide
 * key-only cache row per token: the I/O sees one K/V head of that width and
 * rotates `qk_rope_head_dim` dims) and the sigmoid-routed experts with a
 * shared expert of `mlp/`, streamed into `outDir` tensor by tensor. The
 * multi-token-prediction layer(s) (`model.layers.<num_hidden_layers>.*`) are
 * never read; a notice says so.
 */
export async function buildGlm4MoeLiteGraph(args: BuildGraphsArgs<Glm4MoeLiteConfig>): Promise<BuiltGraphs> {
  const { config, weights, outDir, onProgress } = args;
  if (args.ioStyle === 'optimum') {
    throw new GraphError({
      graphName: 'decoder',
      issues: [{ problem: 'invalid-argument', detail: 'GLM-4.7-Flash has no Optimum (transformers.js) export' }],
      hint: "Run it with PIO's engine I/O.",
    });
  }
  if (config.numNextnPredictLayers > 0) {
    onProgress?.({
      phase: 'notice',
      completed: 1,
      total: 1,
      message: `skipping ${config.numNextnPredictLayers} multi-token-prediction layer(s) (model.layers.${config.numHiddenLayers}.*): not used for generation`,
    });
  }
  const base = decoderOptionsFromConfig(config, decoderIo);
  const written = await writeDecoderTransformer(
    weights,
    {
      ...base,
      numKvHeads: 1,
      headDim: config.latentCacheRowSize,
      rope: { ...base.rope, dims: config.qkRopeHeadDim },
      keyOnlyCache: true,
      attentionBias: config.attentionBias,
      mlpBias: false,
      queryKeyNorm: false,
      switchAttention: true,
      blocks: { attention: latentAttention(config), feedForward: glmFeedForward(config) },
      onLayer: (built, total) => onProgress?.({ phase: 'build-graph', completed: built, total, unit: 'layers' }),
    },
    { dir: outDir, ...graphSaveOptions(args) },
  );
  return { graphs: { decode: written.modelFile }, parameters: written.parameters, weightBytes: written.dataBytes };
}
