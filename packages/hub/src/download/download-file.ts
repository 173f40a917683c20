import { type FileHandle, mkdir, open, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DownloadError } from '../errors/download-error.js';
import type { ResolvedHubOptions } from '../hub/hub-options.js';
import {
  bodyDone,
  bodyFailure,
  bodyProgress,
  discardBody,
  hubGet,
  networkError,
  type RequestContext,
  withRetries,
} from '../hub/hub-request.js';
import { type ExpectedContent, FileDigest } from './file-digest.js';

/** One file to download. */
export interface FileDownload {
  /** The `resolve` URL of the file. */
  url: string;
  /** Where the verified file goes; it is written as `<dest>.incomplete` first. */
  dest: string;
  /** What the content must be. */
  expected: ExpectedContent;
  /** The repository, revision and file, for errors. */
  context: RequestContext & { file: string };
  /** The hub, token and retry settings. */
  hub: ResolvedHubOptions;
  /** Called as bytes arrive; `delta` is negative when a download has to start over. */
  onBytes?: (delta: number) => void;
}

/** What {@link downloadFile} did. */
export interface FileDownloadResult {
  /** Final size in bytes. */
  size: number;
  /** Bytes found in `<dest>.incomplete` and kept (resumed with a `Range` request). */
  resumedFrom: number;
  /** The verified sha256, for LFS files. */
  sha256: string | undefined;
  /** True when the bytes matched a listed hash (sha256, or git blob id and size); false when only the size, or nothing, was known to check. */
  verified: boolean;
}

const diskErrorCodes = new Set([
  'ENOSPC',
  'EDQUOT',
  'EACCES',
  'EPERM',
  'EROFS',
  'EIO',
  'EISDIR',
  'ENOTDIR',
  'EMFILE',
  'EEXIST',
]);

/**
 * Downloads one file resumably and verifies it before it appears at `dest`.
 *
 * Bytes go to `<dest>.incomplete`. When that file exists (an earlier run was
 * cut off), it is hashed first and the rest is asked for with
 * `Range: bytes=<have>-` (and `If-Range` with the ETag seen then, kept in
 * `<dest>.incomplete.etag`): 206 appends, 200 (the server ignored the range or
 * the file changed) starts over, 416 means nothing is left to fetch. Network
 * errors, cut connections, 429 and 5xx are retried with backoff, each retry
 * resuming where the last one stopped. The size, and the sha256 (LFS) or git
 * blob id, are checked on the whole file; on a mismatch the partial file is
 * deleted and nothing reaches `dest`. A file listed without a hash is taken as
 * it comes (checked against its size when one is listed) and reported with
 * `verified: false`.
 *
 * @throws DownloadError `integrity` on a mismatch, `disk` when the file cannot be written, else as {@link hubGet}.
 */
export async function downloadFile(download: FileDownload): Promise<FileDownloadResult> {
  const { dest, expected, context, hub } = download;
  const partial = `${dest}.incomplete`;
  const etagFile = `${partial}.etag`;
  const digest = new FileDigest(expected);
  const report = download.onBytes ?? (() => {});
  await disk(context, dest, () => mkdir(dirname(dest), { recursive: true }));

  let have = await sizeOf(partial);
  if (expected.size !== undefined && have > expected.size) {
    await disk(context, partial, () => truncate(partial, 0));
    have = 0;
  }
  const resumedFrom = have;
  if (have > 0) {
    await disk(context, partial, () => digest.hashExisting(partial, have));
    report(have);
  }
  let etag = have > 0 ? await readFile(etagFile, 'utf8').catch(() => undefined) : undefined;

  await withRetries(hub, async () => {
    // Each attempt starts from what is on disk and hashed.
    if (expected.size !== undefined && digest.bytes >= expected.size) return;
    const from = digest.bytes;
    const headers: Record<string, string> =
      from > 0 ? { range: `bytes=${from}-`, ...(etag ? { 'if-range': etag } : {}) } : {};
    const response = await hubGet(download.url, hub, context, { headers, accept: [416] });
    if (response.status === 416) {
      await discardBody(response);
      const total = Number(response.headers.get('content-range')?.match(/\/(\d+)$/)?.[1]);
      if (total === from) return;
      // What we have is longer than the file: start over.
      await startOver(context, partial, digest, report);
      throw retryable(context, download.url, 'the server refused the range of a partial download; starting over');
    }
    let append = from > 0;
    if (response.status === 206) {
      const start = Number(response.headers.get('content-range')?.match(/^bytes (\d+)-/)?.[1]);
      if (start !== from) {
        await discardBody(response);
        await startOver(context, partial, digest, report);
        throw retryable(context, download.url, `asked for bytes from ${from} but got a range from ${start}`);
      }
    } else if (from > 0) {
      // 200: the range was ignored or the file changed (If-Range); take the whole body from byte 0.
      await startOver(context, partial, digest, report);
      append = false;
    }
    const newEtag = response.headers.get('etag');
    if (newEtag && newEtag !== etag && !append) {
      etag = newEtag;
      await disk(context, etagFile, () => writeFile(etagFile, newEtag));
    }
    await receive(download, response, partial, append, digest, report);
  });

  if (expected.size !== undefined && digest.bytes !== expected.size) {
    await discard(partial, etagFile);
    throw new DownloadError({
      reason: 'integrity',
      message: `Received ${digest.bytes} bytes but the hub lists ${expected.size}; the partial file was deleted`,
      repo: context.repo,
      file: context.file,
      url: download.url,
      hint: 'Pull again; if it keeps failing, the hub or a proxy on the way serves a different file.',
    });
  }
  const algorithm = digest.algorithm;
  const mismatch = digest.mismatch();
  if (mismatch) {
    await discard(partial, etagFile);
    throw new DownloadError({
      reason: 'integrity',
      message: `The ${algorithm} of the downloaded bytes is ${mismatch.actual}, not ${mismatch.expected} as the hub lists; the file was deleted`,
      repo: context.repo,
      file: context.file,
      url: download.url,
      hint: 'Pull again; if it keeps failing, the hub or a proxy on the way serves corrupt data.',
    });
  }
  await disk(context, dest, () => rename(partial, dest));
  await rm(etagFile, { force: true });
  return { size: digest.bytes, resumedFrom, sha256: expected.sha256, verified: algorithm !== undefined };
}

/** Streams a response body into the partial file, hashing as it goes. */
async function receive(
  download: FileDownload,
  response: Response,
  partial: string,
  append: boolean,
  digest: FileDigest,
  report: (delta: number) => void,
): Promise<void> {
  const { context, expected } = download;
  const handle: FileHandle = await disk(context, partial, () => open(partial, append ? 'a' : 'w'));
  let received = 0;
  let overflow = false;
  // Chunks are written (and hashed, and reported) in batches of about 1 MiB: one write per 16 KiB network chunk
  // kept a loopback pull near 80 MiB/s.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunks = pending;
    pending = [];
    pendingBytes = 0;
    await disk(context, partial, () => handle.writev(chunks));
    for (const chunk of chunks) {
      digest.update(chunk);
      received += chunk.length;
      report(chunk.length);
    }
  };
  try {
    const reader = response.body?.getReader();
    while (reader) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        await flush(); // what arrived before the cut is good: keep it for the resume
        throw networkError(bodyFailure(response, error), download.url, download.hub, context);
      }
      if (chunk.done) break;
      bodyProgress(response);
      const bytes = chunk.value;
      if (expected.size !== undefined && digest.bytes + pendingBytes + bytes.length > expected.size) {
        overflow = true;
        await reader.cancel().catch(() => {});
        break;
      }
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= 1 << 20) await flush();
    }
    await flush();
  } finally {
    bodyDone(response);
    await handle.close().catch(() => {});
  }
  if (overflow) {
    await discard(partial, `${partial}.etag`);
    throw new DownloadError({
      reason: 'integrity',
      message: `The server sent more than the ${expected.size} bytes the hub lists; the partial file was deleted`,
      repo: context.repo,
      file: context.file,
      url: download.url,
      hint: 'Pull again; if it keeps failing, the hub or a proxy on the way serves a different file.',
    });
  }
  // A body that ends early without an error (a proxy closing cleanly) is resumed like a cut connection.
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const short = expected.size !== undefined ? digest.bytes < expected.size : received < declared;
  if (short) throw retryable(context, download.url, 'the connection closed before the end of the file');
}

async function startOver(
  context: RequestContext & { file: string },
  partial: string,
  digest: FileDigest,
  report: (delta: number) => void,
): Promise<void> {
  report(-digest.bytes);
  digest.reset();
  await disk(context, partial, () => writeFile(partial, new Uint8Array(0)));
}

function retryable(context: RequestContext & { file: string }, url: string, message: string): DownloadError {
  return new DownloadError({ reason: 'network', message, repo: context.repo, file: context.file, url });
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function discard(partial: string, etagFile: string): Promise<void> {
  await rm(partial, { force: true });
  await rm(etagFile, { force: true });
}

/** Runs a file-system step, turning its errors into {@link DownloadError}s with reason `disk`. */
async function disk<T>(context: RequestContext & { file: string }, path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (!code || !diskErrorCodes.has(code)) throw error;
    throw new DownloadError({
      reason: 'disk',
      message: `Cannot write ${path}: ${code}`,
      repo: context.repo,
      file: context.file,
      hint:
        code === 'ENOSPC' || code === 'EDQUOT'
          ? 'Free disk space, or pull into another folder with --cache-dir (or PIO_CACHE_DIR).'
          : 'Check the permissions of the cache folder, or pull into another one with --cache-dir (or PIO_CACHE_DIR).',
      cause: error,
    });
  }
}
