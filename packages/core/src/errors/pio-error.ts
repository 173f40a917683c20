const marker = 'pio.error';
const symbol = Symbol.for(marker);

/** Everything needed to build a {@link PioError}. */
export interface PioErrorOptions {
  /** Stable, machine-readable code (for example `PIO_CONFIG_INVALID`). */
  code: string;
  /** What was wrong and where: a file, a key, a package. */
  message: string;
  /** What the user can do about it. Appended to the message. */
  hint?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The base of every error PIO throws. Each carries a stable {@link PioError.code}
 * and a marker registered with `Symbol.for`, so {@link PioError.isInstance}
 * recognizes it even when two copies of `@pio/core` are installed (where
 * `instanceof` fails).
 */
export class PioError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** Stable, machine-readable code; never changes between versions. */
  readonly code: string;

  /** What the user can do about it, or `undefined` when there is nothing to suggest. */
  readonly hint: string | undefined;

  /** Creates an error; `hint` is appended to the message on a line of its own. */
  constructor({ code, message, hint, cause }: PioErrorOptions) {
    super(hint ? `${message}\n${hint}` : message, cause === undefined ? undefined : { cause });
    this.name = 'PioError';
    this.code = code;
    this.hint = hint;
  }

  /** True when `error` is a PioError from any installed copy of `@pio/core`. */
  static isInstance(error: unknown): error is PioError {
    return PioError.hasMarker(error, marker);
  }

  /** True when `error` carries the `Symbol.for(marker)` flag set by a subclass. */
  protected static hasMarker(error: unknown, markerName: string): boolean {
    const key = Symbol.for(markerName);
    return error != null && typeof error === 'object' && (error as Record<symbol, unknown>)[key] === true;
  }

  /** A plain object for logs and JSON APIs. */
  toJSON(): { name: string; code: string; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}
