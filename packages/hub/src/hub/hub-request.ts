import { DownloadError } from '../errors/download-error.js';
import type { ResolvedHubOptions } from './hub-options.js';

/** What a request is for, to name it in errors. */
export interface RequestContext {
  /** The repository id. */
  repo: string;
  /** The revision asked for. */
  revision: string;
  /** The file, for a download. */
  file?: string;
}

/** The headers every request to the hub carries: the token, when there is one. */
export function hubHeaders(hub: ResolvedHubOptions, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'user-agent': 'pio-hub/0.1 (+https://www.npmjs.com/package/@pio/hub)',
    ...(hub.token ? { authorization: `Bearer ${hub.token}` } : {}),
    ...extra,
  };
}

/**
 * One GET. Network failures become {@link DownloadError}s with reason
 * `network`; statuses other than 2xx and those in `accept` become the error
 * {@link statusError} picks. Redirects (the CDN of LFS files) are followed;
 * fetch drops the token when they leave the hub's origin.
 */
export async function hubGet(
  url: string,
  hub: ResolvedHubOptions,
  context: RequestContext,
  options: { headers?: Record<string, string>; accept?: readonly number[] } = {},
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers: hubHeaders(hub, options.headers), redirect: 'follow', signal: hub.signal });
  } catch (error) {
    throw networkError(error, url, hub, context);
  }
  if (response.ok || options.accept?.includes(response.status)) return response;
  const error = statusError(response, url, hub, context);
  await response.body?.cancel().catch(() => {});
  throw error;
}

/** A {@link DownloadError} for a failed connection (refused, DNS, reset, cut mid-body). */
export function networkError(error: unknown, url: string, hub: ResolvedHubOptions, context: RequestContext): Error {
  if (hub.signal?.aborted) return hub.signal.reason instanceof Error ? hub.signal.reason : new Error('aborted');
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
  return new DownloadError({
    reason: 'network',
    message: `Cannot reach the hub at ${hub.endpoint}: ${detail}`,
    repo: context.repo,
    ...(context.file ? { file: context.file } : {}),
    url,
    hint: 'Check the network connection, or set HF_ENDPOINT (or --endpoint) to a hub or mirror you can reach.',
    cause: error,
  });
}

/** The {@link DownloadError} for an HTTP status the caller did not accept, using the hub's `X-Error-Code` header. */
export function statusError(response: Response, url: string, hub: ResolvedHubOptions, context: RequestContext): DownloadError {
  const status = response.status;
  const hubCode = response.headers.get('x-error-code') ?? '';
  const hubMessage = response.headers.get('x-error-message');
  const base = { repo: context.repo, ...(context.file ? { file: context.file } : {}), url, status };
  const said = hubMessage ? `: ${hubMessage}` : '';
  if (status === 401 || status === 403) {
    const gated = status === 403 || hubCode === 'GatedRepo';
    return new DownloadError({
      ...base,
      reason: 'unauthorized',
      message: gated
        ? `Access to ${context.repo} is restricted${said}`
        : `${context.repo} is private, gated or does not exist${said}`,
      hint: hub.token
        ? gated
          ? `Your token has no access: accept the model's terms on its page on ${hub.endpoint}, or use a token of an account that has.`
          : `Your token was refused or has no access to ${context.repo}; check the id, and the token (HF_TOKEN or --token).`
        : `Set HF_TOKEN (or pass --token) to a token of an account with access to ${context.repo}, and check the id.`,
    });
  }
  if (status === 404) {
    if (hubCode === 'RevisionNotFound') {
      return new DownloadError({
        ...base,
        reason: 'not-found',
        message: `Revision "${context.revision}" of ${context.repo} does not exist${said}`,
        hint: 'Give a branch, tag or commit sha of the repository with --revision (default: main).',
      });
    }
    if (hubCode === 'EntryNotFound' || context.file) {
      return new DownloadError({
        ...base,
        reason: 'not-found',
        message: `File ${context.file ?? ''} is not in ${context.repo} at revision ${context.revision}${said}`,
        hint: 'The repository changed while downloading, or the listing is stale: pull again.',
      });
    }
    return new DownloadError({
      ...base,
      reason: 'not-found',
      message: `Repository ${context.repo} (or its revision "${context.revision}") does not exist${said}`,
      hint: 'Check the owner/name spelling and --revision; private repositories need HF_TOKEN.',
    });
  }
  if (status === 429 || status >= 500) {
    return new DownloadError({
      ...base,
      reason: 'network',
      message: `The hub answered HTTP ${status}${said}`,
      hint: 'The hub is busy or down; try again later, or set HF_ENDPOINT to a mirror.',
    });
  }
  return new DownloadError({
    ...base,
    reason: 'protocol',
    message: `Unexpected answer from the hub${said}`,
    hint: 'Check HF_ENDPOINT: it must point at a Hugging Face hub or a mirror with the same API.',
  });
}

/**
 * Runs `attempt` until it succeeds, retrying {@link DownloadError}s of reason
 * `network` with exponential backoff (`retryDelayMs`, doubled each time, at
 * most 8 s, plus up to 20% jitter).
 */
export async function withRetries<T>(hub: ResolvedHubOptions, attempt: (index: number) => Promise<T>): Promise<T> {
  for (let index = 0; ; index++) {
    try {
      return await attempt(index);
    } catch (error) {
      if (!DownloadError.isInstance(error) || error.reason !== 'network' || index >= hub.retries) throw error;
      const delay = Math.min(hub.retryDelayMs * 2 ** index, 8000) * (1 + Math.random() * 0.2);
      await sleep(delay, hub.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
