import type { HfDecoderConfig } from '@pio/demo';

/**
 * HuggingFaceTB/SmolLM2-135M's config.json (sizes only): the shape every
 * benchmark that compares with FACTS.md or with transformers.js uses. Its
 * 49,152-id vocabulary is smaller than any tokenizer the kit ships: pair it
 * with the GPT-2 tokenizer, which `prepareBenchCheckpoint` trims to fit.
 */
export const smolLm2Config: HfDecoderConfig = {
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  vocab_size: 49152,
  tie_word_embeddings: true,
  rope_theta: 100000,
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-5,
};
