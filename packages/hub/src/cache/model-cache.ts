import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir } from '@pio/core';
import { parseRepoId } from '../repo/repo-id.js';

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
  /** Every file of the snapshot with its size and, for LFS files, its verified sha256. */
  files: { path: string; size: number; sha256?: string }[];
  /** When the pull completed (ISO 8601). */
  completedAt: string;
}

/** The name of the {@link SnapshotManifest} file in a snapshot folder. */
export const snapshotManifestFile = '.pio-snapshot.json';

const commitSha = /^[0-9a-f]{40}$/;

/** True when `revision` is a full commit sha (40 lowercase hex digits). */
export function isCommitSha(revision: string): boolean {
  return commitSha.test(revision);
}

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

/** The commit a revision pointed at when last pulled completely, or `undefined`. A commit sha is its own ref. */
export function readRef(modelDir: string, revision: string): string | undefined {
  if (isCommitSha(revision)) return revision;
  try {
    const commit = readFileSync(refFile(modelDir, revision), 'utf8').trim();
    return isCommitSha(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Points `revision` at `commit` (atomically: written aside, then renamed). */
export async function writeRef(modelDir: string, revision: string, commit: string): Promise<void> {
  if (isCommitSha(revision)) return;
  await writeAtomically(refFile(modelDir, revision), `${commit}\n`);
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

/** Marks a snapshot folder complete: writes its manifest aside and renames it into place. */
export async function writeSnapshotManifest(dir: string, manifest: SnapshotManifest): Promise<void> {
  await writeAtomically(join(dir, snapshotManifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
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

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}
