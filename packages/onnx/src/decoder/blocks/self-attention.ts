import type { GraphBuilder } from '../../graph/graph-builder.js';
import type { DecoderBlock } from '../decoder-block.js';

/**
 * Llama-style self-attention: Q, K and V in one fused linear layer (the
 * `1/sqrt(headDim)` scale folded into the query weights, or into the q_norm
 * weight when there is one, which is the same since RoPE is linear), Qwen3's
 * per-head RMSNorm of queries and keys when `options.queryKeyNorm`, the
 * I/O's rotary + cached attention, and `o_proj`. Reads
 * `<prefix>.self_attn.{q,k,v,o}_proj.{weight,bias}` and `q_norm`/`k_norm`.
 */
export const selfAttention: DecoderBlock = async ({ g, weights, options, io, layer, prefix }, x) => {
  const { hiddenSize, numHeads, numKvHeads, headDim, rmsNormEps } = options;
  const attn = `${prefix}.self_attn`;
  const queryScale = 1 / Math.sqrt(headDim);
  const qSize = numHeads * headDim;
  const kvSize = numKvHeads * headDim;
  const scaleQuery = options.queryKeyNorm ? undefined : queryScale;
  const qkv = await weights.linear(g, x, {
    name: `${attn}.qkv_proj`,
    parts: [
      { tensor: `${attn}.q_proj`, rows: qSize, ...(scaleQuery ? { scale: scaleQuery } : {}) },
      { tensor: `${attn}.k_proj`, rows: kvSize },
      { tensor: `${attn}.v_proj`, rows: kvSize },
    ],
    inFeatures: hiddenSize,
    bias: options.attentionBias,
  });
  let [query, key, value] = g.split(qkv, { axis: -1, sizes: [qSize, kvSize, kvSize] }) as [string, string, string];
  if (options.queryKeyNorm) {
    const qNorm = (await weights.read(`${attn}.q_norm.weight`, [headDim])).map((w) => w * queryScale);
    const kNorm = await weights.read(`${attn}.k_norm.weight`, [headDim]);
    query = headNorm(g, query, g.initializer(`${attn}.q_norm.weight`, qNorm, [headDim]), numHeads, headDim, rmsNormEps);
    key = headNorm(g, key, g.initializer(`${attn}.k_norm.weight`, kNorm, [headDim]), numKvHeads, headDim, rmsNormEps);
  }
  const context = io.attention(layer, { query, key, value });
  return weights.linear(g, context, {
    name: `${attn}.o_proj`,
    parts: [{ tensor: `${attn}.o_proj`, rows: hiddenSize }],
    inFeatures: qSize,
    bias: options.outputBias ?? options.attentionBias,
  });
};

/** RMSNorm over each head of `[S, heads * headDim]`. */
export function headNorm(
  g: GraphBuilder,
  x: string,
  weight: string,
  heads: number,
  headDim: number,
  epsilon: number,
): string {
  const perHead = g.reshape(x, [-1, heads, headDim]);
  return g.reshape(g.simplifiedLayerNormalization(perHead, weight, { epsilon }), [-1, heads * headDim]);
}
