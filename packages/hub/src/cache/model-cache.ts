import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultCacheDir } from '@pio/core';
import { parseRepoId } from '../repo/repo-id.js';
import { isCommitSha, isRevisionName } from '../repo/revision.js';
import { containedPath } from './contained-path.js';

/**
 * The record written into a snapshot folder after its last file is verified:
 * a snapshot without it is incomplete and never used.
 */
export interface SnapshotManifest {
  /** Layout version of this record. */
  version: 1;
  /** The repository id. */
  repo: string;
  /** The commit the files come from. */
  commit: string;
  /** The revision last pulled into this snapshot (branch, tag or the commit). */
  revision: string;
  /** The hub they came from. */
  endpoint: string;
  /** Every file of the snapshot. */
  files: SnapshotFile[];
  /** When the pull completed (ISO 8601). */
  completedAt: string;
}

/** One file of a {@link SnapshotManifest}. */
export interface SnapshotFile {
  /** Path inside the snapshot folder, `/`-separated. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** The sha256 the hub lists for an LFS file. */
  sha256?: string;
  /** The git blob id the hub lists for a file stored in git itself. */
  gitBlobId?: string;
  /**
   * True when the bytes matched a hash the hub listed (`sha256`, or the git
   * blob id with the size); false when the hub listed no hash, so at most the
   * size was checked (or nothing, when no size was listed either). Absent in
   * manifests written before this field existed: not known.
   */
  verified?: boolean;
}

/** The name of the {@link SnapshotManifest} file in a snapshot folder. */
export const snapshotManifestFile = '.pio-snapshot.json';

/** `<cacheDir>/models/<owner>/<name>`: everything pulled of one repository. `cacheDir` defaults to {@link defaultCacheDir}. */
export function modelCacheDir(repo: string, cacheDir: string = defaultCacheDir()): string {
  const { owner, name } = parseRepoId(repo);
  return join(cacheDir, 'models', owner, name);
}

/** `<model dir>/snapshots/<commit>`: the files of one commit, in the repository's layout. */
export function snapshotDir(modelDir: string, commit: string): string {
  return join(modelDir, 'snapshots', commit);
}

/** `<model dir>/refs/<revision>`: a text file holding the commit sha the revision pointed at when last pulled. */
export function refFile(modelDir: string, revision: string): string {
  return join(modelDir, 'refs', encodeURIComponent(revision));
}

/** The commit a revision pointed at when last pulled completely, or `undefined`. A commit sha is its own ref; a name that is not a revision name has none. */
export function readRef(modelDir: string, revision: string): string | undefined {
  if (isCommitSha(revision)) return revision;
  if (!isRevisionName(revision)) return undefined;
  try {
    const commit = readFileSync(refFile(modelDir, revision), 'utf8').trim();
    return isCommitSha(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Points `revision` at `commit` (atomically: written aside, then renamed).
 *
 * @throws DownloadError (`protocol`) when the ref file would land outside `modelDir`.
 */
export async function writeRef(modelDir: string, revision: string, commit: string, repo: string): Promise<void> {
  if (isCommitSha(revision)) return;
  const file = containedPath(join(modelDir, 'refs'), refFile(modelDir, revision), { repo, revision });
  await writeAtomically(file, `${commit}\n`);
}

/** The manifest of a complete snapshot folder, or `undefined` when it is incomplete or absent. */
export function readSnapshotManifest(dir: string): SnapshotManifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, snapshotManifestFile), 'utf8')) as SnapshotManifest;
    return manifest.version === 1 && Array.isArray(manifest.files) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Marks a snapshot folder complete: writes its manifest aside and renames it
 * into place. `modelDir` is the model's cache folder, which the snapshot
 * folder must be inside.
 *
 * @throws DownloadError (`protocol`) when the manifest would land outside `modelDir`.
 */
export async function writeSnapshotManifest(modelDir: string, dir: string, manifest: SnapshotManifest): Promise<void> {
  const file = containedPath(modelDir, join(dir, snapshotManifestFile), manifest);
  await writeAtomically(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** A complete snapshot found in the cache. */
export interface CachedSnapshot {
  /** The snapshot folder (pass it to a plugin as the checkpoint). */
  dir: string;
  /** Its commit. */
  commit: string;
  /** Its manifest. */
  manifest: SnapshotManifest;
}

/**
 * Finds a complete pulled snapshot of `repo`: the one `revision` points at
 * (a branch, tag or commit sha); with no revision, the one `main` points at,
 * else the most recently completed one (a repository pulled only with
 * `--revision`). Reads only the cache: no network.
 */
export function findCachedSnapshot(
  repo: string,
  options: { cacheDir?: string; revision?: string } = {},
): CachedSnapshot | undefined {
  const modelDir = modelCacheDir(repo, options.cacheDir);
  const at = (commit: string | undefined): CachedSnapshot | undefined => {
    if (!commit) return undefined;
    const dir = snapshotDir(modelDir, commit);
    const manifest = readSnapshotManifest(dir);
    return manifest ? { dir, commit, manifest } : undefined;
  };
  if (options.revision) return at(readRef(modelDir, options.revision));
  const main = at(readRef(modelDir, 'main'));
  if (main) return main;
  const snapshots = join(modelDir, 'snapshots');
  if (!existsSync(snapshots)) return undefined;
  return readdirSync(snapshots)
    .map((commit) => at(commit))
    .filter((snapshot): snapshot is CachedSnapshot => snapshot !== undefined)
    .sort((a, b) => b.manifest.completedAt.localeCompare(a.manifest.completedAt))[0];
}

/** Writes `<file>.<pid>.<time>.tmp` beside `file`, then renames it over `file`; the temporary file never stays behind. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
}
