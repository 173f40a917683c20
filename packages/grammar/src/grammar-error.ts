import { PioError } from '@pio/core';

const marker = 'pio.error.GrammarError';
const symbol = Symbol.for(marker);

/** Where a grammar came from, for the message. */
export type GrammarSource = 'response_format' | 'tools' | 'grammar';

/**
 * A response format or tool definition cannot be turned into a decoding
 * constraint: the schema is not valid JSON Schema, uses a keyword the
 * constraint cannot enforce, or XGrammar refused it. Thrown before any token is
 * generated; the server answers it as a client error (code `PIO_GRAMMAR`, HTTP 400).
 */
export class GrammarError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** What the grammar was built from. */
  readonly source: GrammarSource;

  /** Builds the error from what was wrong (`reason`), where (`source`, `path`) and what to do (`hint`). */
  constructor(options: { source: GrammarSource; reason: string; path?: string; hint?: string; cause?: unknown }) {
    const where = options.path ? ` at ${options.path}` : '';
    super({
      code: 'PIO_GRAMMAR',
      message: `The ${options.source} cannot constrain decoding${where}: ${options.reason}`,
      hint: options.hint ?? 'Give a JSON Schema with the supported keywords (see ResponseFormat in @pio/core).',
      cause: options.cause,
    });
    this.name = 'GrammarError';
    this.source = options.source;
  }

  /** True when `error` is a GrammarError from any installed copy of `@pio/grammar`. */
  static override isInstance(error: unknown): error is GrammarError {
    return PioError.hasMarker(error, marker);
  }
}
