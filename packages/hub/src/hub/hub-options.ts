/** Where the hub is and how to talk to it; every field has a default. */
export interface HubOptions {
  /** The hub's base URL. Default: `$HF_ENDPOINT`, else `https://huggingface.co`. */
  endpoint?: string;
  /** An access token, sent as `Authorization: Bearer <token>`. Default: `$HF_TOKEN` (or `$HUGGING_FACE_HUB_TOKEN`). */
  token?: string;
  /** Retries after a network error, a cut connection, HTTP 429 or 5xx. Default 4. */
  retries?: number;
  /** The first retry waits this long, each next one twice as long (at most 8 s). Default 500 ms. */
  retryDelayMs?: number;
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
  /** Cancels everything. */
  signal: AbortSignal | undefined;
}

/** The hub used when neither an option nor `$HF_ENDPOINT` says otherwise. */
export const defaultHubEndpoint = 'https://huggingface.co';

/** Fills in the defaults of {@link HubOptions} from the options, then the environment. */
export function resolveHubOptions(options: HubOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedHubOptions {
  const endpoint = (options.endpoint || env.HF_ENDPOINT || defaultHubEndpoint).replace(/\/+$/, '');
  const token = options.token || env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  return {
    endpoint,
    token,
    retries: options.retries ?? 4,
    retryDelayMs: options.retryDelayMs ?? 500,
    signal: options.signal,
  };
}
