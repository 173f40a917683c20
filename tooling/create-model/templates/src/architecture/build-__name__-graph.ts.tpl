import { type BuildGraphsArgs, type BuiltGraphs, decoderIo, graphSaveOptions } from '@pio/engine';
import { decoderOptionsFromConfig, writeDecoderTransformer } from '@pio/onnx';
import type { __Pascal__Config } from '../config.js';

/**
 * Builds the decoder graph of a __displayName__ checkpoint with the shared
 * Llama-style decoder of `@pio/onnx` (RMSNorm, rotary embeddings, grouped-query
 * attention, SwiGLU MLP), with the I/O of `args.ioStyle`, and saves it into
 * `outDir` as `graphSaveOptions` says: `decoder.onnx` (PIO's engine: one graph
 * for prompts and steps) or `model.onnx` (transformers.js).
 *
 * Where __displayName__ differs from Llama:
 * - a difference the shared decoder has an option for: set it below
 *   (`attentionBias`, `outputBias`, `mlpBias`, `queryKeyNorm` for Qwen3-style
 *   per-head q/k RMSNorm) from the config's fields;
 * - sizes, norms and rotary settings come from `decoderOptionsFromConfig`;
 *   override any of them after the spread;
 * - a block the shared decoder does not have (a mixture of experts, another
 *   activation or attention): write it as a `DecoderBlock` of `@pio/onnx`
 *   (`(context, x) => Promise<string>`, reading weights through
 *   `context.weights`) in a folder of `src/` named after it (`mlp/`,
 *   `attention/`, ...) and pass it in `blocks` below; `@pio/model-qwen3-moe`'s
 *   `mlp/sparse-moe-block.ts` is an example;
 * - cached builds are keyed on a hash of this package's code and of
 *   `@pio/onnx`, so a changed graph rebuilds by itself (`buildVersion` in
 *   `src/plugin.ts` is an extra, manual salt).
 */
export async function build__Pascal__Graph(args: BuildGraphsArgs<__Pascal__Config>): Promise<BuiltGraphs> {
  const { config, weights, outDir, onProgress } = args;
  const written = await writeDecoderTransformer(weights, {
    ...decoderOptionsFromConfig(config, args.ioStyle === 'optimum' ? 'optimum' : decoderIo),
    // Biases on the q/k/v projections and o_proj (`attention_bias` in config.json); set
    // `outputBias: false` too when only q/k/v have them (Qwen2).
    attentionBias: config.attentionBias,
    // Biases on the gate/up/down projections: add an `mlpBias` config field if checkpoints have them.
    mlpBias: false,
    // Per-head RMSNorm of queries and keys before the rotary embedding (Qwen3's q_norm/k_norm): true if it has them.
    queryKeyNorm: false,
    // One graph for prompts and steps: each layer's attention switches to fused causal attention for a prompt,
    // so onnxruntime loads and packs the weights once (one session).
    switchAttention: args.ioStyle !== 'optimum',
    // The blocks of each layer: the defaults are `selfAttention` and `gatedMlp`; pass your own here,
    // e.g. `blocks: { feedForward: myMoeBlock(config) }`.
    blocks: {},
    onLayer: (built, total) => onProgress?.({ phase: 'build-graph', completed: built, total, unit: 'layers' }),
  }, { dir: outDir, ...graphSaveOptions(args) });
  return {
    graphs: { decode: written.modelFile },
    parameters: written.parameters,
    weightBytes: written.dataBytes,
  };
}
