import { PioError } from '@pio/core';

const marker = 'pio.error.DownloadError';
const symbol = Symbol.for(marker);

/**
 * Why a download failed. Each reason has its own stable {@link PioError.code}:
 *
 * - `unauthorized` (`PIO_HUB_UNAUTHORIZED`): 401/403, a private or gated repository, or a rejected token.
 * - `not-found` (`PIO_HUB_NOT_FOUND`): 404, no such repository, revision or file.
 * - `network` (`PIO_HUB_NETWORK`): the hub could not be reached, or kept failing (5xx, cut connections) after retries.
 * - `integrity` (`PIO_HUB_INTEGRITY`): the bytes received do not match the size or hash the hub lists.
 * - `disk` (`PIO_HUB_DISK`): a file of the cache could not be written (space, permissions).
 * - `protocol` (`PIO_HUB_PROTOCOL`): the hub answered something this client does not understand.
 * - `usage` (`PIO_HUB_USAGE`): a bad argument (repo id, dtype, a selection that matches nothing).
 */
export type DownloadFailure = 'unauthorized' | 'not-found' | 'network' | 'integrity' | 'disk' | 'protocol' | 'usage';

const codes: Record<DownloadFailure, string> = {
  unauthorized: 'PIO_HUB_UNAUTHORIZED',
  'not-found': 'PIO_HUB_NOT_FOUND',
  network: 'PIO_HUB_NETWORK',
  integrity: 'PIO_HUB_INTEGRITY',
  disk: 'PIO_HUB_DISK',
  protocol: 'PIO_HUB_PROTOCOL',
  usage: 'PIO_HUB_USAGE',
};

/** Everything needed to build a {@link DownloadError}. */
export interface DownloadErrorOptions {
  /** Why it failed; picks the code. */
  reason: DownloadFailure;
  /** What went wrong, in words (the repository, file or URL is added from the fields below). */
  message: string;
  /** The repository id (`owner/name`), when known. */
  repo?: string;
  /** The file inside the repository, when one file failed. */
  file?: string;
  /** The URL requested, when a request failed. */
  url?: string;
  /** The HTTP status, when the hub answered. */
  status?: number;
  /** What the user can do about it. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * Listing or downloading a model from the hub failed. The message says what
 * and where (repository, file, URL, status); {@link DownloadError.reason} and
 * the `code` say why, so callers can branch without parsing text.
 */
export class DownloadError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/hub
  private readonly [symbol] = true;

  /** Why it failed. */
  readonly reason: DownloadFailure;
  /** The repository id, when known. */
  readonly repo: string | undefined;
  /** The file inside the repository, when one file failed. */
  readonly file: string | undefined;
  /** The URL requested, when a request failed. */
  readonly url: string | undefined;
  /** The HTTP status, when the hub answered. */
  readonly status: number | undefined;

  /** Builds the error; the message names the repository, file, URL and status given. */
  constructor(options: DownloadErrorOptions) {
    const where = [
      options.repo && `repo ${options.repo}`,
      options.file && `file ${options.file}`,
      options.status !== undefined && `HTTP ${options.status}`,
      options.url && options.url,
    ].filter(Boolean);
    super({
      code: codes[options.reason],
      message: where.length > 0 ? `${options.message} (${where.join(', ')})` : options.message,
      hint: options.hint,
      cause: options.cause,
    });
    this.name = 'DownloadError';
    this.reason = options.reason;
    this.repo = options.repo;
    this.file = options.file;
    this.url = options.url;
    this.status = options.status;
  }

  /** True when `error` is a DownloadError from any installed copy of `@pio/hub`. */
  static override isInstance(error: unknown): error is DownloadError {
    return PioError.hasMarker(error, marker);
  }
}
