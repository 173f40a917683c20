import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir } from '@pio/core';
import { containedPath } from '../cache/contained-path.js';
import {
  modelCacheDir,
  readSnapshotManifest,
  type SnapshotFile,
  type SnapshotManifest,
  snapshotDir,
  writeRef,
  writeSnapshotManifest,
} from '../cache/model-cache.js';
import { downloadFile } from '../download/download-file.js';
import { DownloadError } from '../errors/download-error.js';
import { type HubOptions, resolveHubOptions } from '../hub/hub-options.js';
import { listRepoFiles, type RepoFile, repoUrlPath } from '../listing/list-repo-files.js';
import { parseRepoId } from '../repo/repo-id.js';
import { checkRevision } from '../repo/revision.js';
import type { OnnxDtype } from '../select/onnx-dtypes.js';
import { type ModelFileSelection, safetensorsIndexFile, selectModelFiles } from '../select/select-model-files.js';

/** Options of {@link pullModel}. */
export interface PullOptions extends HubOptions {
  /** Branch, tag or commit sha. Default `main`. */
  revision?: string;
  /** The PIO cache folder; models go to `<cacheDir>/models`. Default: {@link defaultCacheDir} (`$PIO_CACHE_DIR` or `~/.cache/pio`). */
  cacheDir?: string;
  /** For an ONNX-only repository (transformers.js export): the weight variant, `fp32` by default. */
  dtype?: OnnxDtype | string;
  /** For a GGUF repository: the quantization to download (`Q4_K_M`, ...; default the only one, else `Q4_K_M`). */
  quant?: string;
  /** Globs of more files to download (see `selectModelFiles`). */
  include?: readonly string[];
  /** Globs of files not to download. */
  exclude?: readonly string[];
  /** Files downloaded at once. Default 4. */
  concurrency?: number;
  /** Called as the pull advances, for progress bars. */
  onProgress?: (event: PullProgress) => void;
}

/** A step of a pull, with the file's and the whole pull's progress. */
export interface PullProgress {
  /**
   * `listed`: the files are chosen (no `file`); `file-start`: a download begins (or resumes);
   * `file-progress`: bytes arrived; `file-done`: a file is verified and in place (also for files already there).
   */
  type: 'listed' | 'file-start' | 'file-progress' | 'file-done';
  /** The file, for the `file-*` events. */
  file?: string;
  /** Bytes of `file` on disk. */
  fileBytes: number;
  /** Size of `file`, when listed. */
  fileTotal: number | undefined;
  /** Bytes of all the pull's files on disk (already present ones included). */
  bytes: number;
  /** Bytes of all the pull's files (those with a listed size). */
  totalBytes: number;
  /** Files complete. */
  filesDone: number;
  /** Files in the pull. */
  filesTotal: number;
}

/** One file of a finished pull. */
export interface PulledFile {
  /** Path inside the repository and the snapshot folder. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** The verified sha256 of an LFS file. */
  sha256?: string;
  /**
   * True when its bytes matched a hash the hub listed (sha256, or git blob id
   * and size). False when the hub listed none: the file was taken as it came
   * (checked against its size, when listed) and is recorded with
   * `verified: false` in `.pio-snapshot.json`.
   */
  verified: boolean;
  /** False when it was already in the snapshot. */
  downloaded: boolean;
  /** Bytes kept from an earlier interrupted download. */
  resumedFrom: number;
}

/** What {@link pullModel} did. */
export interface PullResult {
  /** The repository id. */
  repo: string;
  /** The revision asked for. */
  revision: string;
  /** The commit it pointed at. */
  commit: string;
  /** The complete snapshot folder: a checkpoint folder ready for a plugin. */
  dir: string;
  /** `safetensors`, `onnx`, `gguf` or `custom` (chosen by `include` globs). */
  format: ModelFileSelection['format'];
  /** The ONNX variant taken, for `onnx`. */
  dtype: OnnxDtype | undefined;
  /** The GGUF quantization taken, for `gguf` (when its file name says it). */
  quant?: string;
  /** The files of this pull. */
  files: PulledFile[];
  /** Bytes transferred by this call. */
  downloadedBytes: number;
  /** Bytes of all the files. */
  totalBytes: number;
}

/**
 * Downloads the files a model needs (see `selectModelFiles`) from the hub
 * into `<cacheDir>/models/<owner>/<name>/snapshots/<commit>/` and marks the
 * snapshot complete with a manifest written last; then points
 * `refs/<revision>` at the commit. Files already in the snapshot are kept;
 * interrupted downloads resume; every file is verified (see `downloadFile`).
 * Downloads run `concurrency` at a time; the first failure stops the others
 * (their partial files stay, to resume).
 *
 * Nothing the hub answers can place a file outside the model's cache folder:
 * the revision is checked before any request (see `isRevisionName`), the
 * commit sha and the file names when listed, and every path written (the
 * snapshot folder, each file and its `.incomplete` companions, the manifest,
 * `refs/<revision>`) must resolve inside `<cacheDir>/models/<owner>/<name>`.
 *
 * @throws DownloadError on any failure (reason `unauthorized`, `not-found`, `network`, `integrity`, `disk`, `protocol` or `usage`).
 */
export async function pullModel(repo: string, options: PullOptions = {}): Promise<PullResult> {
  parseRepoId(repo);
  const revision = checkRevision(options.revision || 'main', repo);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const hub = { ...resolveHubOptions(options), signal };
  const listing = await listRepoFiles(repo, revision, hub);
  const { commit } = listing;
  const modelDir = modelCacheDir(repo, cacheDir);
  const dir = containedPath(join(modelDir, 'snapshots'), snapshotDir(modelDir, commit), { repo, revision });
  const earlierFiles = new Map(readSnapshotManifest(dir)?.files.map((file) => [file.path, file]));
  const destOf = (file: RepoFile) => {
    const dest = join(dir, file.path);
    for (const path of [dest, `${dest}.incomplete`, `${dest}.incomplete.etag`]) {
      containedPath(dir, path, { repo, revision, file: file.path });
    }
    return dest;
  };
  const select = { dtype: options.dtype, quant: options.quant, include: options.include, exclude: options.exclude };
  let selection = selectModelFiles(repo, listing.files, select);

  const fetchOne = (file: RepoFile, onBytes?: (delta: number) => void) =>
    downloadFile({
      url: `${hub.endpoint}/${repoUrlPath(repo)}/resolve/${commit}/${file.path.split('/').map(encodeURIComponent).join('/')}`,
      dest: destOf(file),
      expected: file,
      context: { repo, revision, file: file.path },
      hub,
      ...(onBytes ? { onBytes } : {}),
    });

  // Sharded weights: read the index first, then take exactly the shards it names.
  const index = selection.files.find((file) => file.path === safetensorsIndexFile);
  if (index) {
    if (!present(dir, index)) await fetchOne(index);
    const indexedShards = await readIndexShards(join(dir, safetensorsIndexFile), repo);
    selection = selectModelFiles(repo, listing.files, { ...select, indexedShards });
  }

  const files = selection.files;
  const progress: PullProgress = {
    type: 'listed',
    fileBytes: 0,
    fileTotal: undefined,
    bytes: 0,
    totalBytes: files.reduce((sum, file) => sum + (file.size ?? 0), 0),
    filesDone: 0,
    filesTotal: files.length,
  };
  const emit = (event: Partial<PullProgress> & Pick<PullProgress, 'type'>) =>
    options.onProgress?.({ ...progress, ...event });
  emit({ type: 'listed' });

  const pulled = new Map<string, PulledFile>();
  let downloadedBytes = 0;
  const pullOne = async (file: RepoFile) => {
    // A file already in place was verified when it was downloaded if the hub listed a hash then (files of a commit
    // never change); one recorded as unverified is downloaded again once the hub lists a hash for it.
    const recorded = earlierFiles.get(file.path);
    const recheck = recorded?.verified === false && canVerify(file);
    if (!recheck && present(dir, file)) {
      const size = statSync(join(dir, file.path)).size;
      const verified = recorded?.verified ?? canVerify(file);
      pulled.set(file.path, { path: file.path, size, ...sha(file), verified, downloaded: false, resumedFrom: 0 });
      progress.bytes += size;
      progress.filesDone++;
      emit({ type: 'file-done', file: file.path, fileBytes: size, fileTotal: file.size });
      return;
    }
    let fileBytes = 0;
    emit({ type: 'file-start', file: file.path, fileBytes, fileTotal: file.size });
    const result = await fetchOne(file, (delta) => {
      fileBytes += delta;
      progress.bytes += delta;
      emit({ type: 'file-progress', file: file.path, fileBytes, fileTotal: file.size });
    });
    downloadedBytes += result.size - result.resumedFrom;
    pulled.set(file.path, {
      path: file.path,
      size: result.size,
      ...sha(file),
      verified: result.verified,
      downloaded: true,
      resumedFrom: result.resumedFrom,
    });
    progress.filesDone++;
    emit({ type: 'file-done', file: file.path, fileBytes: result.size, fileTotal: file.size });
  };

  await runPool(files, options.concurrency ?? 4, pullOne, stop);

  // Files of earlier pulls into this snapshot (another dtype, more includes) stay listed.
  const earlier = [...earlierFiles.values()].filter(
    (file) => !pulled.has(file.path) && existsSync(join(dir, file.path)),
  );
  const listed = new Map(listing.files.map((file) => [file.path, file]));
  const manifest: SnapshotManifest = {
    version: 1,
    repo,
    commit,
    revision,
    endpoint: hub.endpoint,
    files: [
      ...earlier,
      ...files.map((file): SnapshotFile => {
        const { path, size, sha256, verified } = pulled.get(file.path)!;
        const gitBlobId = sha256 ? undefined : listed.get(path)?.gitBlobId;
        return { path, size, ...(sha256 ? { sha256 } : {}), ...(gitBlobId ? { gitBlobId } : {}), verified };
      }),
    ],
    completedAt: new Date().toISOString(),
  };
  await writeSnapshotManifest(modelDir, dir, manifest);
  await writeRef(modelDir, revision, commit, repo);
  return {
    repo,
    revision,
    commit,
    dir,
    format: selection.format,
    dtype: selection.dtype,
    ...(selection.quant ? { quant: selection.quant } : {}),
    files: files.map((file) => pulled.get(file.path)!),
    downloadedBytes,
    totalBytes: progress.totalBytes,
  };
}

/** True when the verified file is already in the snapshot (only verified files are ever renamed into it). */
function present(dir: string, file: RepoFile): boolean {
  try {
    const stats = statSync(join(dir, file.path));
    return stats.isFile() && (file.size === undefined || stats.size === file.size);
  } catch {
    return false;
  }
}

/** True when a download of `file` is checked against a hash (see `FileDigest`). */
function canVerify(file: RepoFile): boolean {
  return file.sha256 !== undefined || (file.gitBlobId !== undefined && file.size !== undefined);
}

function sha(file: RepoFile): { sha256?: string } {
  return file.sha256 ? { sha256: file.sha256 } : {};
}

async function readIndexShards(indexPath: string, repo: string): Promise<string[]> {
  let weightMap: unknown;
  try {
    weightMap = (JSON.parse(await readFile(indexPath, 'utf8')) as { weight_map?: unknown }).weight_map;
  } catch (error) {
    throw new DownloadError({ reason: 'protocol', message: `Cannot read ${safetensorsIndexFile}`, repo, cause: error });
  }
  if (!weightMap || typeof weightMap !== 'object') {
    throw new DownloadError({ reason: 'protocol', message: `${safetensorsIndexFile} has no "weight_map"`, repo });
  }
  return [...new Set(Object.values(weightMap as Record<string, unknown>).map(String))];
}

/** Runs `work` over `items`, `concurrency` at a time; the first failure aborts `stop` and is thrown once all have settled. */
async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  stop: AbortController,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        if (!failure) {
          failure = { error };
          stop.abort(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure) throw failure.error;
}
