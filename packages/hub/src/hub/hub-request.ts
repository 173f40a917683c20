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

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

/**
 * One GET. Network failures and timeouts become {@link DownloadError}s with
 * reason `network`; statuses other than 2xx and those in `accept` become the
 * error {@link statusError} picks.
 *
 * Redirects (LFS files go to a CDN) are followed here, not by fetch: at most
 * `maxRedirects`, only to `http:`/`https:`, never to a URL already visited (a
 * loop fails at once with reason `protocol`, which is not retried). The token
 * goes only to the hub's own origin. The request times out after `timeoutMs`
 * without the answer's headers, and its body after `timeoutMs` without a
 * chunk (an idle read).
 */
export async function hubGet(
  url: string,
  hub: ResolvedHubOptions,
  context: RequestContext,
  options: { headers?: Record<string, string>; accept?: readonly number[] } = {},
): Promise<Response> {
  const hubOrigin = originOf(hub.endpoint);
  const visited = new Set<string>();
  let current = url;
  for (let redirects = 0; ; redirects++) {
    visited.add(current);
    const toHub = hubOrigin !== undefined && originOf(current) === hubOrigin;
    const headers = toHub
      ? hubHeaders(hub, options.headers)
      : hubHeaders({ ...hub, token: undefined }, options.headers);
    const response = await timedFetch(current, headers, hub, context);
    if (!redirectStatuses.has(response.status)) {
      if (response.ok || options.accept?.includes(response.status)) return response;
      const error = statusError(response, current, hub, context);
      await discardBody(response);
      throw error;
    }
    await discardBody(response);
    const location = response.headers.get('location');
    const next = location ? parseUrl(location, current) : undefined;
    const problem = !next
      ? `redirected (HTTP ${response.status}) to ${location ? JSON.stringify(location) : 'nowhere (no Location header)'}`
      : next.protocol !== 'http:' && next.protocol !== 'https:'
        ? `redirected to ${next.href}, which is not an http(s) URL`
        : visited.has(next.href)
          ? `redirected in a loop, back to ${next.href}`
          : redirects >= hub.maxRedirects
            ? `redirected more than ${hub.maxRedirects} times (last to ${next.href})`
            : undefined;
    if (problem) {
      throw new DownloadError({
        reason: 'protocol',
        message: `The hub ${problem}; gave up after ${redirects + 1} request${redirects === 0 ? '' : 's'} for ${url}`,
        repo: context.repo,
        ...(context.file ? { file: context.file } : {}),
        url: current,
        status: response.status,
        hint: 'Check HF_ENDPOINT (or --endpoint) and any proxy on the way: a hub redirects a file at most once or twice, never in a loop.',
      });
    }
    current = next!.href;
  }
}

/** The idle timer and timeout of each body {@link hubGet} returned. */
const bodyTimers = new WeakMap<Response, { timer: ReturnType<typeof setTimeout>; timeout: AbortController }>();

/**
 * One fetch with the hub's timeout: aborted when the headers take longer
 * than `timeoutMs`, and then when its body goes `timeoutMs` without progress
 * (see {@link bodyProgress}). The body is the one fetch returned, not a
 * wrapper stream: a wrapper cost ~40% of loopback throughput.
 */
async function timedFetch(
  url: string,
  headers: Record<string, string>,
  hub: ResolvedHubOptions,
  context: RequestContext,
): Promise<Response> {
  const timeout = new AbortController();
  const signal = hub.signal ? AbortSignal.any([hub.signal, timeout.signal]) : timeout.signal;
  const expire = (waitingFor: 'answer' | 'data') => () => timeout.abort(timeoutError(url, hub, context, waitingFor));
  const answerTimer = setTimeout(expire('answer'), hub.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'manual', signal });
  } catch (error) {
    throw networkError(timeout.signal.aborted ? timeout.signal.reason : error, url, hub, context);
  } finally {
    clearTimeout(answerTimer);
  }
  if (!response.body || nullBodyStatuses.has(response.status)) return response;
  // Unref'd: a body nobody reads to the end never keeps the process alive; aborting a finished fetch is harmless.
  const timer = setTimeout(expire('data'), hub.timeoutMs).unref();
  bodyTimers.set(response, { timer, timeout });
  return response;
}

/** Restarts the idle timer of a body from {@link hubGet}: call it for every chunk read. */
export function bodyProgress(response: Response): void {
  bodyTimers.get(response)?.timer.refresh();
}

/** Stops the idle timer of a body from {@link hubGet} once it is read to its end or cancelled. */
export function bodyDone(response: Response): void {
  const entry = bodyTimers.get(response);
  if (entry) clearTimeout(entry.timer);
}

/** The error to report for a failed read of a body from {@link hubGet}: its timeout when that is what stopped it. */
export function bodyFailure(response: Response, error: unknown): unknown {
  const timeout = bodyTimers.get(response)?.timeout;
  return timeout?.signal.aborted ? timeout.signal.reason : error;
}

/** Cancels a body from {@link hubGet} that is not wanted, and its idle timer. */
export async function discardBody(response: Response): Promise<void> {
  bodyDone(response);
  await response.body?.cancel().catch(() => {});
}

function timeoutError(
  url: string,
  hub: ResolvedHubOptions,
  context: RequestContext,
  waitingFor: 'answer' | 'data',
): DownloadError {
  const seconds = `${hub.timeoutMs / 1000} s`;
  return new DownloadError({
    reason: 'network',
    message:
      waitingFor === 'answer'
        ? `The hub at ${hub.endpoint} did not answer within ${seconds}`
        : `The hub at ${hub.endpoint} sent nothing for ${seconds} in the middle of an answer`,
    repo: context.repo,
    ...(context.file ? { file: context.file } : {}),
    url,
    hint: 'Check the network or HF_ENDPOINT; allow more time with --timeout <seconds> (or HF_HUB_DOWNLOAD_TIMEOUT).',
  });
}

/**
 * Reads a JSON body: `undefined` when it is not JSON (the caller says what it
 * expected), a `network` {@link DownloadError} when the body cannot be read
 * (cut, timed out).
 */
export async function readJson(
  response: Response,
  url: string,
  hub: ResolvedHubOptions,
  context: RequestContext,
): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw networkError(bodyFailure(response, error), url, hub, context);
  } finally {
    bodyDone(response);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function originOf(url: string): string | undefined {
  return parseUrl(url)?.origin;
}

function parseUrl(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}

/** A {@link DownloadError} for a failed connection (refused, DNS, reset, cut mid-body). */
export function networkError(error: unknown, url: string, hub: ResolvedHubOptions, context: RequestContext): Error {
  if (hub.signal?.aborted) return hub.signal.reason instanceof Error ? hub.signal.reason : new Error('aborted');
  if (DownloadError.isInstance(error)) return error;
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
export function statusError(
  response: Response,
  url: string,
  hub: ResolvedHubOptions,
  context: RequestContext,
): DownloadError {
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
