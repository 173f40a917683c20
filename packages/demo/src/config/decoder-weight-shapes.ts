import type { DecoderShape } from './decoder-shape.js';

/**
 * The tensors of a Llama / Qwen2 / Qwen3 / Qwen3-MoE / GLM-4.7-Flash checkpoint and their shapes, named exactly as
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
    const latent = shape.latentAttention;
    const projections: [string, number, number][] = latent
      ? latentProjections(shape, latent)
      : [
          ['q_proj', queryWidth, hiddenSize],
          ['k_proj', keyValueWidth, hiddenSize],
          ['v_proj', keyValueWidth, hiddenSize],
          ['o_proj', hiddenSize, queryWidth],
        ];
    for (const [name, out, inFeatures] of projections) {
      if (name.endsWith('layernorm')) {
        shapes.set(`${prefix}.self_attn.${name}.weight`, [out]);
        continue;
      }
      shapes.set(`${prefix}.self_attn.${name}.weight`, [out, inFeatures]);
      // GLM: attention_bias puts biases on q_a/kv_a/o only, as transformers builds them; Qwen2 on q/k/v only.
      const biased = latent
        ? ['q_a_proj', 'kv_a_proj_with_mqa', 'o_proj'].includes(name)
        : name !== 'o_proj' || (shape.outputBias ?? true);
      if (shape.attentionBias && biased) shapes.set(`${prefix}.self_attn.${name}.bias`, [out]);
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
      // Qwen3-MoE: the router, then every expert's gated MLP; GLM adds the selection bias and a shared expert.
      shapes.set(`${prefix}.mlp.gate.weight`, [experts.numExperts, hiddenSize]);
      if (experts.router === 'sigmoid') shapes.set(`${prefix}.mlp.gate.e_score_correction_bias`, [experts.numExperts]);
      for (let expert = 0; expert < experts.numExperts; expert++) {
        mlpAt(`${prefix}.mlp.experts.${expert}`, experts.expertWidth);
      }
      if (experts.sharedExpertWidth) mlpAt(`${prefix}.mlp.shared_experts`, experts.sharedExpertWidth);
    } else {
      mlpAt(`${prefix}.mlp`, intermediateSize);
    }
  }
  // GLM's multi-token-prediction layer(s) after the last one: stored in checkpoints, never run by inference.
  for (let extra = 0; extra < (shape.nextTokenLayers ?? 0); extra++) {
    const prefix = `model.layers.${shape.numLayers + extra}`;
    shapes.set(`${prefix}.enorm.weight`, [hiddenSize]);
    shapes.set(`${prefix}.hnorm.weight`, [hiddenSize]);
    shapes.set(`${prefix}.eh_proj.weight`, [hiddenSize, 2 * hiddenSize]);
    shapes.set(`${prefix}.input_layernorm.weight`, [hiddenSize]);
    shapes.set(`${prefix}.mlp.gate_proj.weight`, [intermediateSize, hiddenSize]);
    shapes.set(`${prefix}.shared_head.norm.weight`, [hiddenSize]);
  }
  shapes.set('model.norm.weight', [hiddenSize]);
  if (!shape.tieWordEmbeddings) shapes.set('lm_head.weight', [shape.vocabSize, hiddenSize]);
  return shapes;
}

/** GLM-4.7-Flash's attention tensors: `[name, out, in]` (norms with `in` 0). */
function latentProjections(
  shape: DecoderShape,
  latent: NonNullable<DecoderShape['latentAttention']>,
): [string, number, number][] {
  const { hiddenSize, numAttentionHeads: heads } = shape;
  const { qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim } = latent;
  const queryWidth = heads * (qkNopeHeadDim + qkRopeHeadDim);
  const query: [string, number, number][] =
    qLoraRank === null
      ? [['q_proj', queryWidth, hiddenSize]]
      : [
          ['q_a_proj', qLoraRank, hiddenSize],
          ['q_a_layernorm', qLoraRank, 0],
          ['q_b_proj', queryWidth, qLoraRank],
        ];
  return [
    ...query,
    ['kv_a_proj_with_mqa', kvLoraRank + qkRopeHeadDim, hiddenSize],
    ['kv_a_layernorm', kvLoraRank, 0],
    ['kv_b_proj', heads * (qkNopeHeadDim + vHeadDim), kvLoraRank],
    ['o_proj', hiddenSize, heads * vHeadDim],
  ];
}
