import { CheckpointError } from '@pio/core';
import type { GgufFile } from '@pio/gguf';

/** Hugging Face `architectures` and `model_type` for each GGUF `general.architecture` the engine maps. */
const huggingFaceArchitectures: Record<string, { architecture: string; modelType: string }> = {
  llama: { architecture: 'LlamaForCausalLM', modelType: 'llama' },
  // Its q/k/v biases come with the model type (Qwen2Config has no attention_bias key).
  qwen2: { architecture: 'Qwen2ForCausalLM', modelType: 'qwen2' },
  qwen3: { architecture: 'Qwen3ForCausalLM', modelType: 'qwen3' },
  qwen3moe: { architecture: 'Qwen3MoeForCausalLM', modelType: 'qwen3_moe' },
};

/** The GGUF architectures {@link ggufHuggingFaceConfig} maps. */
export const ggufMappedArchitectures: readonly string[] = Object.keys(huggingFaceArchitectures);

/**
 * The mixture-of-experts fields of a `qwen3moe` file: `expert_count`,
 * `expert_used_count` (both required, as llama.cpp requires them),
 * `expert_feed_forward_length` (else llama.cpp's fallback
 * `feed_forward_length / expert_used_count`). llama.cpp's `qwen3moe` graph
 * makes every layer sparse and always renormalizes the chosen routing
 * weights (`build_moe_ffn` with `norm_w`), so `norm_topk_prob` is true,
 * `decoder_sparse_step` 1 and `mlp_only_layers` empty.
 */
function qwen3MoeFields(file: GgufFile, key: (name: string) => string): Record<string, unknown> {
  const { metadata } = file;
  const experts = metadata.getInteger(key('expert_count'));
  const used = metadata.getInteger(key('expert_used_count'));
  const width =
    metadata.findInteger(key('expert_feed_forward_length')) ??
    Math.floor(metadata.getInteger(key('feed_forward_length')) / used);
  return {
    num_experts: experts,
    num_experts_per_tok: used,
    moe_intermediate_size: width,
    norm_topk_prob: true,
    decoder_sparse_step: 1,
    mlp_only_layers: [],
  };
}

/**
 * A Hugging Face `config.json` synthesized from a GGUF file's `<arch>.*`
 * metadata, for the model's config class to parse as it parses a folder's:
 * sizes from `block_count`, `embedding_length`, `feed_forward_length`,
 * `attention.head_count(_kv)`, `attention.key_length`; `rope.freq_base`,
 * `attention.layer_norm_rms_epsilon`, `context_length`; the vocabulary size
 * from the token list; a tied LM head when `output.weight` is absent; linear
 * rope scaling when the file has it; `attention_bias` for a `llama` file
 * with q biases (a `qwen2` file's q/k/v biases come with its model type).
 * For `qwen3moe` also the experts:
 * `expert_count`, `expert_used_count`, `expert_feed_forward_length`, with
 * every layer sparse and the top-k weights renormalized, as llama.cpp runs it.
 *
 * @throws GgufFileError naming the key when a required key is missing or of the wrong type.
 * @throws CheckpointError for an architecture the engine does not map.
 */
export function ggufHuggingFaceConfig(file: GgufFile): Record<string, unknown> {
  const { metadata } = file;
  const arch = metadata.getString('general.architecture');
  const mapped = huggingFaceArchitectures[arch];
  if (!mapped) {
    throw new CheckpointError({
      file: file.file,
      reason: `its general.architecture "${arch}" has no mapping onto Hugging Face config fields`,
      hint: `GGUF architectures PIO runs: ${ggufMappedArchitectures.join(', ')}.`,
    });
  }
  const key = (name: string) => `${arch}.${name}`;
  const heads = metadata.getInteger(key('attention.head_count'));
  const hidden = metadata.getInteger(key('embedding_length'));
  const tokens = metadata.getStringArray('tokenizer.ggml.tokens');
  const scalingType = metadata.findString(key('rope.scaling.type'));
  const scalingFactor = metadata.findNumber(key('rope.scaling.factor'));
  const bos = metadata.findInteger('tokenizer.ggml.bos_token_id');
  const eos = metadata.findInteger('tokenizer.ggml.eos_token_id');
  const pad = metadata.findInteger('tokenizer.ggml.padding_token_id');
  const moe = arch === 'qwen3moe' ? qwen3MoeFields(file, key) : undefined;
  return {
    architectures: [mapped.architecture],
    model_type: mapped.modelType,
    hidden_size: hidden,
    // A qwen3moe file has no dense layer: its feed_forward_length is informative only.
    intermediate_size:
      moe !== undefined
        ? (metadata.findInteger(key('feed_forward_length')) ?? moe.moe_intermediate_size)
        : metadata.getInteger(key('feed_forward_length')),
    ...moe,
    num_hidden_layers: metadata.getInteger(key('block_count')),
    num_attention_heads: heads,
    num_key_value_heads: metadata.findInteger(key('attention.head_count_kv')) ?? heads,
    head_dim: metadata.findInteger(key('attention.key_length')) ?? hidden / heads,
    max_position_embeddings: metadata.getInteger(key('context_length')),
    rms_norm_eps: metadata.getNumber(key('attention.layer_norm_rms_epsilon')),
    rope_theta: metadata.findNumber(key('rope.freq_base')) ?? 10000,
    vocab_size: metadata.findInteger(key('vocab_size')) ?? tokens.length,
    tie_word_embeddings: !file.has('output.weight'),
    ...(arch === 'llama' && file.has('blk.0.attn_q.bias') ? { attention_bias: true } : {}),
    ...(scalingType === 'linear' && scalingFactor !== undefined
      ? { rope_scaling: { rope_type: 'linear', factor: scalingFactor } }
      : {}),
    ...(scalingType === 'yarn' && scalingFactor !== undefined
      ? { rope_scaling: yarnScaling(scalingFactor, metadata.findInteger(key('rope.scaling.original_context_length'))) }
      : {}),
    ...(bos !== undefined ? { bos_token_id: bos } : {}),
    ...(eos !== undefined ? { eos_token_id: eos } : {}),
    ...(pad !== undefined ? { pad_token_id: pad } : {}),
  };
}

/** A GGUF's yarn keys as a config.json `rope_scaling` (llama.cpp's defaults: beta_fast 32, beta_slow 1). */
function yarnScaling(factor: number, originalContext: number | undefined): Record<string, unknown> {
  return {
    rope_type: 'yarn',
    factor,
    ...(originalContext !== undefined ? { original_max_position_embeddings: originalContext } : {}),
  };
}
