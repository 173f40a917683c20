import type { CompiledGrammar, GrammarCompiler, TokenizerInfo } from '@mlc-ai/web-xgrammar';
import { GrammarConstraint } from './grammar-constraint.js';
import { GrammarError, type GrammarSource } from './grammar-error.js';
import { type GrammarSpec, grammarKey, toolCallSchema } from './grammar-spec.js';
import { loadXGrammar } from './load-xgrammar.js';
import { normalizeSchema } from './normalize-schema.js';
import type { TokenVocabulary } from './token-vocabulary.js';

/** Options of {@link TokenGrammarCompiler.create}. */
export interface TokenGrammarCompilerOptions {
  /** Most compiled grammars kept (least recently used dropped first). Default 64. */
  cacheSize?: number;
}

// Compact JSON: no whitespace between tokens, so output length is bounded by the schema alone.
const separators: [string, string] = [',', ':'];

/**
 * Compiles grammars for one model's vocabulary with XGrammar and hands out
 * {@link GrammarConstraint}s. Build one per model: the vocabulary preprocessing
 * (`TokenizerInfo`, 0.2–1 s for 50k–152k tokens) runs once, and compiled
 * grammars are cached by the text of their spec. Holds the vocabulary in WASM
 * memory (a few MB for 152k tokens) until {@link dispose}.
 */
export class TokenGrammarCompiler {
  private readonly compiled = new Map<string, Promise<CompiledGrammar>>();
  private readonly cacheSize: number;

  private constructor(
    private readonly info: TokenizerInfo,
    private readonly compiler: GrammarCompiler,
    /** The vocabulary it was built for. */
    readonly vocabulary: TokenVocabulary,
    options: TokenGrammarCompilerOptions,
  ) {
    this.cacheSize = options.cacheSize ?? 64;
  }

  /** Preprocesses `vocabulary` (special tokens are never allowed inside constrained output). */
  static async create(
    vocabulary: TokenVocabulary,
    options: TokenGrammarCompilerOptions = {},
  ): Promise<TokenGrammarCompiler> {
    const xgrammar = loadXGrammar();
    // XGrammar treats a token that decodes to nothing as special: it is never allowed.
    const special = new Set(vocabulary.specialTokenIds);
    for (const id of vocabulary.stopTokenIds) special.delete(id);
    const tokens = vocabulary.tokens.map((token, id) => (special.has(id) ? '' : token));
    while (tokens.length < vocabulary.vocabSize) tokens.push('');
    const info = await xgrammar.TokenizerInfo.createTokenizerInfo(
      tokens,
      vocabulary.vocabularyType,
      vocabulary.prependSpace,
      vocabulary.vocabSize,
      [...vocabulary.stopTokenIds],
    );
    const compiler = await xgrammar.GrammarCompiler.createGrammarCompiler(info, true);
    return new TokenGrammarCompiler(info, compiler, vocabulary, options);
  }

  /**
   * A fresh constraint for one generation following `spec`.
   *
   * @throws GrammarError when the spec's schema cannot be compiled.
   */
  async constraint(spec: GrammarSpec): Promise<GrammarConstraint> {
    const compiled = await this.compile(spec);
    const matcher = await loadXGrammar().GrammarMatcher.createGrammarMatcher(compiled, [
      ...this.vocabulary.stopTokenIds,
    ]);
    return new GrammarConstraint(matcher, this.vocabulary.vocabSize);
  }

  /** The compiled grammar of `spec`, from the cache when it was compiled before. */
  compile(spec: GrammarSpec): Promise<CompiledGrammar> {
    const key = grammarKey(spec);
    const cached = this.compiled.get(key);
    if (cached) {
      this.compiled.delete(key);
      this.compiled.set(key, cached);
      return cached;
    }
    const pending = this.compileUncached(spec);
    this.compiled.set(key, pending);
    pending.catch(() => this.compiled.delete(key));
    while (this.compiled.size > this.cacheSize) {
      const [oldest, entry] = this.compiled.entries().next().value as [string, Promise<CompiledGrammar>];
      this.compiled.delete(oldest);
      // A matcher keeps its own reference to the compiled grammar, so dropping the handle is safe.
      entry.then(
        (grammar) => grammar.dispose(),
        () => {},
      );
    }
    return pending;
  }

  private async compileUncached(spec: GrammarSpec): Promise<CompiledGrammar> {
    const xgrammar = loadXGrammar();
    const source: GrammarSource = spec.kind === 'tool-call' ? 'tools' : 'response_format';
    try {
      switch (spec.kind) {
        case 'json-object':
          // Any object: properties not listed are allowed (strict mode off).
          return await this.compiler.compileJSONSchema('{"type":"object"}', false, -1, separators, false);
        case 'json-schema':
          return await this.compiler.compileJSONSchema(
            JSON.stringify(normalizeSchema(spec.schema, source)),
            false,
            -1,
            separators,
            spec.strict ?? true,
          );
        case 'tool-call': {
          if (spec.tools.length === 0)
            throw new GrammarError({ source, reason: 'there is no tool to call.', hint: 'Give at least one tool.' });
          const schema = normalizeSchema(toolCallSchema(spec.tools, spec.syntax), source);
          if (spec.syntax === 'llama3-json') {
            return await this.compiler.compileJSONSchema(JSON.stringify(schema), false, -1, separators, true);
          }
          const call = await xgrammar.Grammar.fromJSONSchema(JSON.stringify(schema), false, -1, separators, true);
          const ebnf = `${call.toString()}\npio_tool_call ::= "<tool_call>\\n" root "\\n</tool_call>"\n`;
          call.dispose();
          return await this.compiler.compileGrammar(ebnf, 'pio_tool_call');
        }
      }
    } catch (cause) {
      if (GrammarError.isInstance(cause)) throw cause;
      throw new GrammarError({ source, reason: (cause as Error)?.message ?? String(cause), cause });
    }
  }

  /** Frees the WASM memory of the vocabulary and of every cached grammar. Safe to call twice. */
  dispose(): void {
    for (const entry of this.compiled.values())
      entry.then(
        (grammar) => grammar.dispose(),
        () => {},
      );
    this.compiled.clear();
    this.compiler.dispose();
    this.info.dispose();
  }
}
