import type { DecoderConfig, ProgressCallback } from '@pio/core';
import { openCheckpointWeights } from '@pio/safetensors';
import type { BuildRecord } from '../build-cache/build-cache.js';
import { GgufWeightSource } from '../gguf/gguf-weight-source.js';
import type { DecoderModelDefinition } from './decoder-model-definition.js';
import { pluginStateError } from './plugin-state-errors.js';

/** What {@link buildDecoderGraphs} is given. */
export interface BuildDecoderGraphsArgs<TConfig extends DecoderConfig> {
  /** The model's definition: its `prepareGraphs` or `buildGraphs` writes the graphs. */
  definition: DecoderModelDefinition<TConfig>;
  /** The plugin's package name, for errors. */
  pluginName: string;
  /** The validated config, runtime fields included. */
  config: TConfig;
  /** The checkpoint folder (or GGUF path), absolute. */
  checkpoint: string;
  /** The GGUF file of the checkpoint, when it is one: its weights are read from it. */
  ggufFile?: string | undefined;
  /** Keep the GGUF's quantized tensors as stored, up to 8 bits, instead of dequantizing them. */
  keepStored?: boolean;
  /** The folder to write into (a build cache's temporary folder). */
  outDir: string;
  /** Progress of the build. */
  onProgress?: ProgressCallback | undefined;
}

/**
 * Writes a checkpoint's graphs into `outDir` and returns the build record of
 * the cache: through the definition's `prepareGraphs` when it has one (no
 * weights opened), else its `buildGraphs` over the weights, read lazily from
 * the GGUF file or the safetensors and closed when done. Memory: a builder
 * holds about one tensor at a time; nothing here holds the checkpoint.
 *
 * @throws PluginStateError when the definition has neither builder.
 * @throws whatever the builder or the weight reader throws.
 */
export async function buildDecoderGraphs<TConfig extends DecoderConfig>(
  args: BuildDecoderGraphsArgs<TConfig>,
): Promise<BuildRecord> {
  const { definition, config, checkpoint, ggufFile, outDir, onProgress } = args;
  const { prepareGraphs, buildGraphs } = definition;
  if (prepareGraphs) {
    const prepared = await prepareGraphs({ checkpoint, config, outDir, ...(onProgress ? { onProgress } : {}) });
    return { graphs: prepared.graphs, info: { parameters: prepared.parameters, weightBytes: prepared.weightBytes } };
  }
  if (!buildGraphs) throw pluginStateError(args.pluginName, 'noGraphBuilder');
  // GGUF Q4_0/Q8_0/... tensors go into the graph as stored when the dtype has the bits (readPrequantized);
  // the others are dequantized to float32 and quantized at the config's dtype by the graph builder.
  const weights = ggufFile
    ? await GgufWeightSource.open(ggufFile, {
        numAttentionHeads: config.numAttentionHeads,
        numKeyValueHeads: config.numKeyValueHeads,
        headDim: config.headDim,
        ...(args.keepStored ? { keepStoredUpTo: 8 as const } : {}),
      })
    : await openCheckpointWeights(checkpoint);
  try {
    const built = await buildGraphs({ config, weights, outDir, ...(onProgress ? { onProgress } : {}) });
    return { graphs: built.graphs, info: { parameters: built.parameters, weightBytes: built.weightBytes } };
  } finally {
    await weights.close();
  }
}
