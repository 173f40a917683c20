import { type GgufValue, gguf, writeGgufFile } from '@pio/gguf';

/**
 * Writes a GGUF holding only metadata: a tiny `llama` architecture's
 * hyperparameters and the given `tokenizer.ggml.*` keys, no tensors. llama.cpp
 * loads it with `vocab_only` (node-llama-cpp: `loadModel({ vocabOnly: true })`),
 * enough to tokenize: the fast way to compare tokenizers.
 *
 * @param file - Where to write.
 * @param tokenizer - `tokenizer.ggml.*` metadata (from `ggufTokenizerMetadata` or `spmTestVocabulary`).
 */
export async function writeVocabOnlyGguf(file: string, tokenizer: Record<string, GgufValue>): Promise<void> {
  const tokens = tokenizer['tokenizer.ggml.tokens'];
  const vocabSize = tokens && tokens.type === 9 ? tokens.value.length : 0;
  await writeGgufFile(file, {
    metadata: {
      'general.architecture': gguf.string('llama'),
      'general.name': gguf.string('pio-test-kit-vocab'),
      'llama.context_length': gguf.uint32(2048),
      'llama.embedding_length': gguf.uint32(64),
      'llama.block_count': gguf.uint32(1),
      'llama.feed_forward_length': gguf.uint32(128),
      'llama.attention.head_count': gguf.uint32(2),
      'llama.attention.head_count_kv': gguf.uint32(2),
      'llama.rope.dimension_count': gguf.uint32(32),
      'llama.attention.layer_norm_rms_epsilon': gguf.float32(1e-5),
      'llama.vocab_size': gguf.uint32(vocabSize),
      ...tokenizer,
    },
    tensors: [],
  });
}
