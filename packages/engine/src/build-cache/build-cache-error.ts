import { PioError } from '@pio/core';

const marker = 'pio.error.BuildCacheError';
const symbol = Symbol.for(marker);

/**
 * The build cache cannot be used: its folder cannot be written (a read-only
 * or misplaced cache), or a damaged build could not be rebuilt. The message
 * names the folder; the hint says what to do (set `PIO_CACHE_DIR`, or delete
 * the folder).
 */
export class BuildCacheError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker
  private readonly [symbol] = true;

  /** The folder at fault: the cache root, or one build's folder. */
  readonly folder: string;

  /** Builds the error; `reason` says what went wrong with `folder`. */
  constructor(options: { folder: string; reason: string; hint: string; cause?: unknown }) {
    super({
      code: 'PIO_BUILD_CACHE',
      message: `Build cache folder ${options.folder}: ${options.reason}`,
      hint: options.hint,
      cause: options.cause,
    });
    this.name = 'BuildCacheError';
    this.folder = options.folder;
  }

  /** True when `error` is a BuildCacheError from any installed copy of `@pio/engine`. */
  static override isInstance(error: unknown): error is BuildCacheError {
    return PioError.hasMarker(error, marker);
  }
}

/** File-system codes that mean "this folder cannot be written here", for root and non-root users alike. */
const unwritableCodes = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR']);

/** The error code of a Node file-system error, if any. */
export function fsErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * `error` as a {@link BuildCacheError} naming `folder` when it says the folder
 * cannot be written (EACCES, EPERM, EROFS, ENOTDIR); otherwise `error` itself.
 */
export function unwritableCacheError(error: unknown, folder: string): unknown {
  const code = fsErrorCode(error);
  if (!code || !unwritableCodes.has(code)) return error;
  return new BuildCacheError({
    folder,
    reason: `cannot be written (${code})`,
    hint: 'Set PIO_CACHE_DIR to a writable folder (builds go to $PIO_CACHE_DIR/builds), or make this one writable.',
    cause: error,
  });
}
