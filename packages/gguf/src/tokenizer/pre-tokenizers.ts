/** How llama.cpp splits text before byte-level BPE for one `tokenizer.ggml.pre` family. */
export interface GgufPreTokenizer {
  /**
   * Regexes applied one after the other, each splitting every piece left by
   * the previous one into matches and the text between them (Hugging Face's
   * `Split` with `behavior: "Isolated"`), in the Oniguruma syntax of
   * tokenizer.json files.
   */
  regexes: readonly string[];
  /** llama.cpp's `ignore_merges`: a piece that is itself a token is kept whole. */
  ignoreMerges?: boolean;
}

const gpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const llama3 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const qwen2 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const families: readonly [names: readonly string[], pre: GgufPreTokenizer][] = [
  [['default'], { regexes: ['[\\p{P}\\$\\+<=>\\^~\\|]+', gpt2, '\\p{N}+', '[0-9][0-9][0-9]'] }],
  [['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'pixtral'], { regexes: [llama3], ignoreMerges: true }],
  [['dbrx', 'smaug-bpe'], { regexes: [llama3] }],
  [['qwen2', 'deepseek-r1-qwen', 'stablelm2', 'megrez', 'hunyuan'], { regexes: [qwen2] }],
  [['smollm', 'starcoder', 'refact', 'command-r', 'codeshell', 'exaone', 'minerva-7b'], { regexes: ['\\p{N}', gpt2] }],
  [['gpt-2', 'phi-2', 'jina-es', 'jina-de', 'mpt', 'olmo', 'jais', 'trillion'], { regexes: [gpt2] }],
  [['falcon'], { regexes: ['[\\p{P}\\$\\+<=>\\^~\\|`]+', gpt2, '[0-9][0-9][0-9]'] }],
  [['deepseek-coder'], { regexes: ['[\\r\\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[一-龥ࠀ-一가-퟿]+', '\\p{N}'] }],
];

/** The `tokenizer.ggml.pre` names {@link ggufPreTokenizer} knows. */
export const ggufPreTokenizerNames: readonly string[] = families.flatMap(([names]) => names);

/**
 * The split regexes of a `tokenizer.ggml.pre` name, as llama.cpp's
 * `llama-vocab.cpp` applies them (in their tokenizer.json form), or
 * `undefined` for a name PIO does not know. An absent name means `default`.
 */
export function ggufPreTokenizer(name: string | undefined): GgufPreTokenizer | undefined {
  const wanted = name ?? 'default';
  return families.find(([names]) => names.includes(wanted))?.[1];
}
