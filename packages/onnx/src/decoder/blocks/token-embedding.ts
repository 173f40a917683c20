import type { GraphBuilder, QuantizedWeightNames } from '../../graph/graph-builder.js';
import type { QuantizedMatMulNBits } from '../../quantization/matmul-nbits.js';
import type { DecoderShapeOptions } from '../decoder-options.js';
import type { DecoderWeights, NBitsFormat } from '../decoder-weights.js';

/** The embedding's lookup and the LM head that may share its table. */
export interface TokenEmbedding {
  /** Rows `[N, hidden]` of the token ids. */
  hidden: string;
  /** Adds the LM head over final normed rows `[L, hidden]`; returns logits `[L, vocab]`. */
  lmHead(x: string): Promise<string>;
}

/**
 * `model.embed_tokens` and the LM head. Quantized decoders quantize the
 * table too (a float table is most of a small int-N model: 1 GiB of
 * Llama-3.2-1B's 1.6 GiB) when the format is symmetric with whole blocks
 * per row, looked up with `GatherBlockQuantized`; a tied head then
 * multiplies by the very same bytes (`MatMulNBits`). A quantized GGUF's
 * table goes in as stored (see {@link DecoderWeights.prequantized}). An
 * untied head reads `lm_head.weight`.
 *
 * @param g the graph
 * @param weights the weight reader
 * @param options sizes, tying, weight format
 * @param tokenIds int64 `[N]`
 */
export async function tokenEmbedding(
  g: GraphBuilder,
  weights: DecoderWeights,
  options: DecoderShapeOptions,
  tokenIds: string,
): Promise<TokenEmbedding> {
  const { vocabSize, hiddenSize } = options;
  const name = 'model.embed_tokens.weight';
  const layersFormat = options.weightFormat;
  // The table may need a smaller block than the layers (whole blocks per row).
  const format =
    layersFormat.kind === 'nbits' && layersFormat.embeddingBlockSize !== undefined
      ? { ...layersFormat, blockSize: layersFormat.embeddingBlockSize }
      : layersFormat;
  const tied = options.tieWordEmbeddings && !weights.has('lm_head.weight');
  const untiedHead = (x: string) =>
    weights.linear(g, x, { name: 'lm_head', parts: [{ tensor: 'lm_head', rows: vocabSize }], inFeatures: hiddenSize });
  // A quantized GGUF's table as stored (Q4_0, Q8_0, Q4_K, Q6_K: no zero points), never through float32.
  const stored = await weights.prequantized('model.embed_tokens', vocabSize, hiddenSize, { gatherable: true });
  const table = stored ? undefined : await weights.read(name, [vocabSize, hiddenSize]);
  const quantizable =
    table === undefined ||
    (format.kind === 'nbits' && format.symmetric === true && hiddenSize % format.blockSize === 0);
  if (quantizable) {
    // Once quantized the float table is dropped, so the rest of the build does not hold it (1.5 GB at 4 B).
    const quantized = table ? weights.quantize(table, vocabSize, hiddenSize, format as NBitsFormat) : stored!;
    const initializers = g.quantizedWeight('model.embed_tokens', quantized);
    const hidden = quantizedLookup(g, tokenIds, quantized, initializers);
    const accuracyLevel = (format as NBitsFormat).accuracyLevel ?? 0;
    const { K, N, bits, blockSize } = quantized;
    const tiedHead = (x: string) => {
      const logits = g.matMulNBits(
        x,
        initializers,
        { K, N, bits, blockSize, accuracyLevel },
        { name: 'lm_head/MatMulNBits' },
      );
      const { mins } = initializers;
      return mins ? g.subtractBlockMins(x, logits, mins, { K, blockSize }, { name: 'lm_head' }) : logits;
    };
    return { hidden, lmHead: async (x) => (tied ? tiedHead(x) : untiedHead(x)) };
  }
  const embedding = g.initializer(name, table!, [vocabSize, hiddenSize]);
  return {
    hidden: g.gather(embedding, tokenIds, 0),
    lmHead: async (x) => {
      if (!tied) return untiedHead(x);
      if (format.kind === 'float32') return g.gemm(x, embedding, undefined, { transB: true });
      return weights.addLinear(g, x, { name: 'lm_head', inFeatures: hiddenSize }, table!);
    },
  };
}

/**
 * Rows of the quantized embedding for `ids`: `GatherBlockQuantized` over the
 * MatMulNBits bytes seen as `[vocab, hidden * bits / 8]` (a Reshape that
 * onnxruntime folds at load; MatMulNBits insists on its 3-D shape and
 * GatherBlockQuantized on scales of its data's rank, so one initializer
 * cannot serve both as it is).
 */
function quantizedLookup(
  g: GraphBuilder,
  ids: string,
  quantized: QuantizedMatMulNBits,
  { b, scales, mins }: QuantizedWeightNames,
): string {
  const { N, K, bits, blockSize } = quantized;
  const table = g.reshape(b, [N, (K * bits) / 8]);
  const rows = g.gatherBlockQuantized(
    table,
    ids,
    scales,
    undefined,
    { bits, blockSize },
    { name: 'model.embed_tokens/GatherBlockQuantized' },
  );
  if (!mins) return rows;
  // Each row's block minimums (a GGUF K-quant), gathered too and subtracted block by block, for ids of any rank.
  const kBlocks = K / blockSize;
  const rowMins = g.reshape(g.gather(mins, ids, 0), [-1, kBlocks, 1]);
  const blocked = g.sub(g.reshape(rows, [-1, kBlocks, blockSize]), rowMins, {
    name: 'model.embed_tokens/SubBlockMins',
  });
  return g.reshape(blocked, g.shape(rows));
}
