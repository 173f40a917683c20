import { GraphError } from '../errors/graph-error.js';
import { GraphBuilder } from '../graph/graph-builder.js';
import type { DecoderGraphIo } from '../layers/decoder-graph-io.js';
import { optimumDecoderIo } from '../layers/optimum-decoder-io.js';
import { pioDecoderIo } from '../layers/pio-decoder-io.js';
import { addRotaryCaches, rotaryCaches } from '../layers/rotary.js';
import { gatedMlp } from './blocks/gated-mlp.js';
import { selfAttention } from './blocks/self-attention.js';
import { tokenEmbedding } from './blocks/token-embedding.js';
import type { DecoderBlocks, DecoderLayerContext } from './decoder-block.js';
import type { DecoderTransformerOptions } from './decoder-options.js';
import { DecoderWeights, type DecoderWeightSource } from './decoder-weights.js';

/** The built graph and what it holds. */
export interface DecoderTransformer {
  /** The graph, ready to `save` (or `toBytes` when not streamed). */
  graph: GraphBuilder;
  /** Parameters read from the checkpoint. */
  parameters: number;
}

/**
 * Builds the ONNX graph of a pre-norm decoder-only transformer (Llama 2/3,
 * Mistral, SmolLM, Qwen2/3, Qwen3-MoE, ...) from Hugging Face weights, as a
 * composition of blocks: the token embedding, then per layer
 * `h += attention(norm(h))` and `h += feedForward(norm(h))` (the residual
 * adds fused into `SkipSimplifiedLayerNormalization`), the final norm and
 * the LM head. `options.blocks` swaps a block (a mixture of experts for the
 * feed-forward); every block reads its weights through one
 * {@link DecoderWeights} (naming, shape checks, fusing, quantization).
 *
 * Two I/O styles (`options.io`), the layers being the same: PIO's engine I/O
 * (new tokens in, each layer's cache in as `[T, kvHeads * headDim]` views,
 * logits at the requested positions and the new tokens' K/V out) or
 * `'optimum'` (the I/O of Hugging Face Optimum exports that transformers.js
 * runs).
 *
 * @throws {GraphError} when a tensor is missing, or has the wrong element count in a source without `expectShape` (naming the tensor: the checkpoint does not match its config.json).
 * @throws whatever the source's `expectShape` throws for a tensor of the wrong shape (`TensorShapeError` for a `WeightStore`).
 */
export async function buildDecoderTransformer(
  source: DecoderWeightSource,
  options: DecoderTransformerOptions,
): Promise<DecoderTransformer> {
  if (options.switchAttention && options.io === 'optimum') {
    throw new GraphError({
      graphName: 'decoder',
      issues: [{ problem: 'invalid-argument', detail: "switchAttention needs PIO's engine I/O, not 'optimum'" }],
      hint: 'Build the Optimum graph without switchAttention.',
    });
  }
  const g = new GraphBuilder({ name: 'decoder', ...(options.externalData ? { externalData: options.externalData } : {}) });
  try {
    const parameters = await compose(g, source, options);
    return { graph: g, parameters };
  } catch (error) {
    if (options.externalData) g.closeExternalData();
    throw error;
  }
}

async function compose(g: GraphBuilder, source: DecoderWeightSource, options: DecoderTransformerOptions): Promise<number> {
  const { numLayers, numHeads, numKvHeads, headDim, vocabSize, hiddenSize, rmsNormEps } = options;
  const weights = new DecoderWeights(source, options.weightFormat, g.name);
  const caches = addRotaryCaches(
    g,
    rotaryCaches({
      headDim: options.rope.dims ?? headDim,
      maxPositions: options.maxPositions,
      theta: options.rope.theta,
      ...(options.rope.scaling ? { scaling: options.rope.scaling } : {}),
    }),
  );
  const ioShape = { numLayers, numHeads, numKvHeads, headDim, vocabSize, keyOnlyCache: options.keyOnlyCache === true };
  const io: DecoderGraphIo =
    options.io === 'optimum'
      ? optimumDecoderIo(g, ioShape, caches)
      : pioDecoderIo(
          g,
          options.io,
          ioShape,
          caches,
          options.switchAttention ? 'switch' : 'cached',
          options.decodeAttention,
        );
  const blocks: DecoderBlocks = { attention: selfAttention, feedForward: gatedMlp, ...options.blocks };
  const embedding = await tokenEmbedding(g, weights, options, io.tokenIds);

  let hidden = embedding.hidden;
  let residual: string | undefined;
  for (let layer = 0; layer < numLayers; layer++) {
    const prefix = `model.layers.${layer}`;
    const context: DecoderLayerContext = { g, weights, options, io, layer, prefix };
    const inputNorm = await weights.normWeight(g, `${prefix}.input_layernorm.weight`, hiddenSize);
    let normed: string;
    if (residual === undefined) {
      normed = g.simplifiedLayerNormalization(hidden, inputNorm, { epsilon: rmsNormEps });
      residual = hidden;
    } else {
      const fused = g.skipSimplifiedLayerNormalization(hidden, residual, inputNorm, { epsilon: rmsNormEps });
      normed = fused.output;
      residual = fused.inputSkipBiasSum;
    }
    const attended = await blocks.attention(context, normed);
    const postNorm = await weights.normWeight(g, `${prefix}.post_attention_layernorm.weight`, hiddenSize);
    const fused = g.skipSimplifiedLayerNormalization(attended, residual, postNorm, { epsilon: rmsNormEps });
    residual = fused.inputSkipBiasSum;
    hidden = await blocks.feedForward(context, fused.output);
    options.onLayer?.(layer + 1, numLayers);
  }

  const last = g.add(hidden, residual!);
  const picked = io.logitRows(last);
  const finalNorm = await weights.normWeight(g, 'model.norm.weight', hiddenSize);
  const normedOut = g.simplifiedLayerNormalization(picked, finalNorm, { epsilon: rmsNormEps });
  io.outputLogits(await embedding.lmHead(normedOut));
  return weights.parameters;
}
