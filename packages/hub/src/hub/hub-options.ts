import { DownloadError } from '../errors/download-error.js';

/** Where the hub is and how to talk to it; every field has a default. */
export interface HubOptions {
  /** The hub's base URL. Default: `$HF_ENDPOINT`, else `https://huggingface.co`. */
  endpoint?: string;
  /** An access token, sent as `Authorization: Bearer <token>`. Default: `$HF_TOKEN` (or `$HUGGING_FACE_HUB_TOKEN`). */
  token?: string;
  /** Retries after a network error, a cut connection, a timeout, HTTP 429 or 5xx. Default 4. */
  retries?: number;
  /** The first retry waits this long, each next one twice as long (at most 8 s). Default 500 ms. */
  retryDelayMs?: number;
  /**
   * How long one request may wait for the hub: for the answer's headers, and
   * then for each next chunk of its body (an idle read, not the whole
   * download). A request that times out fails with a `network` error, which is
   * retried like a cut connection. Default: `$HF_HUB_DOWNLOAD_TIMEOUT` (seconds),
   * else {@link defaultHubTimeoutMs} (30 s).
   */
  timeoutMs?: number;
  /** Redirects followed per request (LFS files redirect once, to the CDN). Default {@link maxHubRedirects} (5). */
  maxRedirects?: number;
  /** Cancels every request and download. */
  signal?: AbortSignal;
}

/** {@link HubOptions} with the defaults filled in. */
export interface ResolvedHubOptions {
  /** The hub's base URL, without a trailing slash. */
  endpoint: string;
  /** The token, or `undefined` to send none. */
  token: string | undefined;
  /** Retries after a retryable failure. */
  retries: number;
  /** The first retry's delay in milliseconds. */
  retryDelayMs: number;
  /** Headers and idle-read timeout of one request, in milliseconds. */
  timeoutMs: number;
  /** Redirects followed per request. */
  maxRedirects: number;
  /** Cancels everything. */
  signal: AbortSignal | undefined;
}

/** The hub used when neither an option nor `$HF_ENDPOINT` says otherwise. */
export const defaultHubEndpoint = 'https://huggingface.co';

/** The request timeout (headers, then each idle read) when neither an option nor `$HF_HUB_DOWNLOAD_TIMEOUT` sets one: 30 s. */
export const defaultHubTimeoutMs = 30_000;

/** Redirects followed per request unless `maxRedirects` says otherwise: 5. */
export const maxHubRedirects = 5;

/**
 * Fills in the defaults of {@link HubOptions} from the options, then the environment.
 *
 * @throws DownloadError (`usage`) when a timeout, retry count or redirect count is not a valid number.
 */
export function resolveHubOptions(options: HubOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedHubOptions {
  const endpoint = (options.endpoint || env.HF_ENDPOINT || defaultHubEndpoint).replace(/\/+$/, '');
  const token = options.token || env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  const envTimeout = env.HF_HUB_DOWNLOAD_TIMEOUT;
  const timeoutMs =
    options.timeoutMs ??
    (envTimeout
      ? checked(Number(envTimeout) * 1000, `HF_HUB_DOWNLOAD_TIMEOUT=${envTimeout}`, 'a number of seconds above zero', 0)
      : defaultHubTimeoutMs);
  return {
    endpoint,
    token,
    retries: checked(options.retries ?? 4, `retries ${options.retries}`, 'a whole number, zero or more', -1, true),
    retryDelayMs: checked(
      options.retryDelayMs ?? 500,
      `retryDelayMs ${options.retryDelayMs}`,
      'zero or more milliseconds',
      -1,
    ),
    timeoutMs: checked(timeoutMs, `timeoutMs ${options.timeoutMs}`, 'a number of milliseconds above zero', 0),
    maxRedirects: checked(
      options.maxRedirects ?? maxHubRedirects,
      `maxRedirects ${options.maxRedirects}`,
      'a whole number, zero or more',
      -1,
      true,
    ),
    signal: options.signal,
  };
}

/** `value` when it is a finite number above `above` (an integer when asked), else a usage error naming `what`. */
function checked(value: number, what: string, expected: string, above: number, integer = false): number {
  if (Number.isFinite(value) && value > above && (!integer || Number.isInteger(value))) return value;
  throw new DownloadError({
    reason: 'usage',
    message: `Invalid hub option ${what}: it must be ${expected}`,
    hint: `Give ${expected}${what.startsWith('HF_') ? ', or unset the variable' : ''}.`,
  });
}
