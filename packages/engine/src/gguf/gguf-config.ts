import { CheckpointError } from '@pio/core';
import type { GgufFile } from '@pio/gguf';

/** Hugging Face `architectures` for each GGUF `general.architecture` the engine maps. */
const huggingFaceArchitectures: Record<string, string> = {
  llama: 'LlamaForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
};

/** The GGUF architectures {@link ggufHuggingFaceConfig} maps. */
export const ggufMappedArchitectures: readonly string[] = Object.keys(huggingFaceArchitectures);

/**
 * A Hugging Face `config.json` synthesized from a GGUF file's `<arch>.*`
 * metadata, for the model's config class to parse as it parses a folder's:
 * sizes from `block_count`, `embedding_length`, `feed_forward_length`,
 * `attention.head_count(_kv)`, `attention.key_length`; `rope.freq_base`,
 * `attention.layer_norm_rms_epsilon`, `context_length`; the vocabulary size
 * from the token list; a tied LM head when `output.weight` is absent; linear
 * rope scaling when the file has it.
 *
 * @throws GgufFileError naming the key when a required key is missing or of the wrong type.
 * @throws CheckpointError for an architecture the engine does not map.
 */
export function ggufHuggingFaceConfig(file: GgufFile): Record<string, unknown> {
  const { metadata } = file;
  const arch = metadata.getString('general.architecture');
  const architecture = huggingFaceArchitectures[arch];
  if (!architecture) {
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
  return {
    architectures: [architecture],
    model_type: arch,
    hidden_size: hidden,
    intermediate_size: metadata.getInteger(key('feed_forward_length')),
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
    ...(bos !== undefined ? { bos_token_id: bos } : {}),
    ...(eos !== undefined ? { eos_token_id: eos } : {}),
    ...(pad !== undefined ? { pad_token_id: pad } : {}),
  };
}
