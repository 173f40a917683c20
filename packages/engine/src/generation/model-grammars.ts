import type { GrammarConstraint, GrammarSpec, TokenGrammarCompiler } from '@pio/grammar';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';

/**
 * One model's grammar compiler, built on first use from its tokenizer (the
 * vocabulary is preprocessed once, compiled grammars are cached by spec).
 * `@pio/grammar` and its WASM are loaded only when a generation asks for
 * structured output.
 */
export class ModelGrammars {
  private compiler: Promise<TokenGrammarCompiler> | undefined;

  /** Nothing is built until {@link constraint}. */
  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly vocabSize: number,
    private readonly stopTokenIds: readonly number[],
  ) {}

  /**
   * A fresh constraint following `spec`.
   *
   * @throws GrammarError (a PioError, `PIO_GRAMMAR`) when the spec cannot be compiled.
   */
  async constraint(spec: GrammarSpec): Promise<GrammarConstraint> {
    this.compiler ??= this.createCompiler();
    return (await this.compiler).constraint(spec);
  }

  /** Frees the compiler's WASM memory. */
  async dispose(): Promise<void> {
    const compiler = this.compiler;
    this.compiler = undefined;
    if (compiler) (await compiler.catch(() => undefined))?.dispose();
  }

  private async createCompiler(): Promise<TokenGrammarCompiler> {
    const grammar = await import('@pio/grammar');
    const { tokens, specialTokenIds } = this.tokenizer.vocabulary();
    return grammar.TokenGrammarCompiler.create({
      tokens,
      specialTokenIds,
      ...grammar.detectVocabularyType(this.tokenizer.decoderTypes),
      vocabSize: Math.max(this.vocabSize, tokens.length),
      stopTokenIds: this.stopTokenIds,
    });
  }
}
