import type { DecoderShape } from './decoder-shape.js';

/**
 * The tensors of a Llama / Qwen3 / Qwen3-MoE checkpoint and their shapes, named exactly as
 * Hugging Face names them (`model.layers.{i}.self_attn.q_proj.weight`, ...).
 * Linear weights are `[out_features, in_features]`. `lm_head.weight` is left
 * out when the embeddings are tied, as `save_pretrained` leaves it out.
 *
 * @param shape - The checked config (see {@link resolveDecoderShape}).
 * @returns Tensor name to shape, in checkpoint order: embedding, layers, final norm, LM head.
 */
export function decoderWeightShapes(shape: DecoderShape): Map<string, number[]> {
  const { hiddenSize, intermediateSize, numAttentionHeads, numKeyValueHeads, headDim } = shape;
  const queryWidth = numAttentionHeads * headDim;
  const keyValueWidth = numKeyValueHeads * headDim;
  const shapes = new Map<string, number[]>();
  shapes.set('model.embed_tokens.weight', [shape.vocabSize, hiddenSize]);
  for (let layer = 0; layer < shape.numLayers; layer++) {
    const prefix = `model.layers.${layer}`;
    shapes.set(`${prefix}.input_layernorm.weight`, [hiddenSize]);
    const projections: [string, number, number][] = [
      ['q_proj', queryWidth, hiddenSize],
      ['k_proj', keyValueWidth, hiddenSize],
      ['v_proj', keyValueWidth, hiddenSize],
      ['o_proj', hiddenSize, queryWidth],
    ];
    for (const [name, out, inFeatures] of projections) {
      shapes.set(`${prefix}.self_attn.${name}.weight`, [out, inFeatures]);
      if (shape.attentionBias) shapes.set(`${prefix}.self_attn.${name}.bias`, [out]);
    }
    if (shape.queryKeyNorm) {
      shapes.set(`${prefix}.self_attn.q_norm.weight`, [headDim]);
      shapes.set(`${prefix}.self_attn.k_norm.weight`, [headDim]);
    }
    shapes.set(`${prefix}.post_attention_layernorm.weight`, [hiddenSize]);
    const experts = shape.experts?.sparseLayers[layer] ? shape.experts : undefined;
    const mlpAt = (mlpPrefix: string, width: number) => {
      const mlp: [string, number, number][] = [
        ['gate_proj', width, hiddenSize],
        ['up_proj', width, hiddenSize],
        ['down_proj', hiddenSize, width],
      ];
      for (const [name, out, inFeatures] of mlp) {
        shapes.set(`${mlpPrefix}.${name}.weight`, [out, inFeatures]);
        if (shape.mlpBias) shapes.set(`${mlpPrefix}.${name}.bias`, [out]);
      }
    };
    if (experts) {
      // Qwen3-MoE: the router, then every expert's gated MLP.
      shapes.set(`${prefix}.mlp.gate.weight`, [experts.numExperts, hiddenSize]);
      for (let expert = 0; expert < experts.numExperts; expert++) {
        mlpAt(`${prefix}.mlp.experts.${expert}`, experts.expertWidth);
      }
    } else {
      mlpAt(`${prefix}.mlp`, intermediateSize);
    }
  }
  shapes.set('model.norm.weight', [hiddenSize]);
  if (!shape.tieWordEmbeddings) shapes.set('lm_head.weight', [shape.vocabSize, hiddenSize]);
  return shapes;
}
