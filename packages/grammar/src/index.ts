export { GrammarConstraint } from './grammar-constraint.js';
export { GrammarError, type GrammarSource } from './grammar-error.js';
export {
  type GrammarSpec,
  grammarForResponseFormat,
  grammarKey,
  type ToolCallSyntax,
  toolCallSchema,
} from './grammar-spec.js';
export { loadXGrammar, type XGrammarModule } from './load-xgrammar.js';
export { normalizeSchema } from './normalize-schema.js';
export { TokenGrammarCompiler, type TokenGrammarCompilerOptions } from './token-grammar-compiler.js';
export {
  decoderTypesOf,
  detectVocabularyType,
  type TokenVocabulary,
  type VocabularyType,
  vocabularyFromTokenizerJson,
} from './token-vocabulary.js';
