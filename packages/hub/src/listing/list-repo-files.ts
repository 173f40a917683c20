import { DownloadError } from '../errors/download-error.js';
import type { ResolvedHubOptions } from '../hub/hub-options.js';
import { hubGet, type RequestContext, readJson, withRetries } from '../hub/hub-request.js';
import { checkCommit, checkRevision } from '../repo/revision.js';

/** One file of a repository at a commit, as the hub lists it. */
export interface RepoFile {
  /** Path inside the repository, `/`-separated (for example `onnx/model.onnx`). */
  path: string;
  /** Size in bytes, when the hub gave it. */
  size: number | undefined;
  /** SHA-256 of the content, for files stored with Git LFS (weights). */
  sha256: string | undefined;
  /** The git blob id (SHA-1 of `blob <size>\0<content>`), for files stored in git itself. */
  gitBlobId: string | undefined;
}

/** A repository's files at one commit. */
export interface RepoListing {
  /** The repository id. */
  repo: string;
  /** The revision asked for (branch, tag or commit). */
  revision: string;
  /** The commit sha the revision pointed at; every file is downloaded at this commit. */
  commit: string;
  /** Every file. */
  files: RepoFile[];
}

interface RevisionSibling {
  rfilename?: unknown;
  size?: unknown;
  blobId?: unknown;
  lfs?: { sha256?: unknown; size?: unknown } | null;
}

interface TreeEntry {
  type?: unknown;
  path?: unknown;
  size?: unknown;
  oid?: unknown;
  lfs?: { oid?: unknown; size?: unknown } | null;
}

/** `owner/name` with each part escaped, for URLs. */
export function repoUrlPath(repo: string): string {
  return repo.split('/').map(encodeURIComponent).join('/');
}

/**
 * Lists a model repository's files at a revision.
 *
 * One request to the revision API (`/api/models/{repo}/revision/{revision}?blobs=true`)
 * gives both the commit sha the revision points at and every file with its
 * size and LFS sha256: the commit pins the download (every file is then
 * fetched at that commit, so a push during the pull cannot mix two versions)
 * and names the snapshot folder. The tree API has the same sizes but no commit
 * sha and pages its answer; it is used only when the revision API leaves sizes
 * out (some mirrors ignore `blobs=true`).
 *
 * The commit sha is checked (40 lowercase hex digits; the very commit asked
 * for when `revision` is one), and so is every file name (no absolute paths,
 * no `.`/`..` segments, no backslash, no control characters): both become
 * paths in the cache.
 *
 * @throws DownloadError (`usage`) for a revision that is not a revision name, before any request; for HTTP errors (401/403 `unauthorized`, 404 `not-found`), the network, or a malformed answer (`protocol`).
 */
export async function listRepoFiles(repo: string, revision: string, hub: ResolvedHubOptions): Promise<RepoListing> {
  checkRevision(revision, repo);
  const context: RequestContext = { repo, revision };
  const url = `${hub.endpoint}/api/models/${repoUrlPath(repo)}/revision/${encodeURIComponent(revision)}?blobs=true`;
  const body = await withRetries(hub, async () => readJson(await hubGet(url, hub, context), url, hub, context));
  const info = body as { sha?: unknown; siblings?: unknown } | undefined;
  if (!info || info.sha === undefined || !Array.isArray(info.siblings)) {
    throw new DownloadError({
      reason: 'protocol',
      message: 'The hub\'s revision API gave no "sha" and "siblings"',
      repo,
      url,
      hint: 'Check HF_ENDPOINT: it must point at a Hugging Face hub or a mirror with the same API.',
    });
  }
  const commit = checkCommit(info.sha, { repo, revision, url });
  const files = (info.siblings as RevisionSibling[]).map((sibling) => {
    const lfsSize = typeof sibling.lfs?.size === 'number' ? sibling.lfs.size : undefined;
    return {
      path: checkedPath(sibling.rfilename, repo, url),
      size: typeof sibling.size === 'number' ? sibling.size : lfsSize,
      sha256: typeof sibling.lfs?.sha256 === 'string' ? sibling.lfs.sha256.toLowerCase() : undefined,
      gitBlobId: typeof sibling.blobId === 'string' && !sibling.lfs ? sibling.blobId.toLowerCase() : undefined,
    };
  });
  if (files.some((file) => file.size === undefined)) await fillFromTree(repo, commit, files, hub);
  return { repo, revision, commit, files };
}

/** Takes sizes, LFS sha256s and blob ids from the tree API (following its `Link: rel="next"` pages). */
async function fillFromTree(repo: string, commit: string, files: RepoFile[], hub: ResolvedHubOptions): Promise<void> {
  const byPath = new Map(files.map((file) => [file.path, file]));
  let url: string | undefined = `${hub.endpoint}/api/models/${repoUrlPath(repo)}/tree/${commit}?recursive=true`;
  while (url) {
    const pageUrl: string = url;
    const context = { repo, revision: commit };
    const { response, entries } = await withRetries(hub, async () => {
      const response = await hubGet(pageUrl, hub, context);
      return { response, entries: (await readJson(response, pageUrl, hub, context)) as TreeEntry[] | undefined };
    });
    if (!Array.isArray(entries)) {
      throw new DownloadError({ reason: 'protocol', message: "The hub's tree API did not answer a list", repo, url });
    }
    for (const entry of entries) {
      if (entry.type !== 'file' || typeof entry.path !== 'string') continue;
      const file = byPath.get(entry.path);
      if (!file) continue;
      if (typeof entry.size === 'number') file.size = entry.size;
      if (entry.lfs) {
        if (typeof entry.lfs.size === 'number') file.size = entry.lfs.size;
        if (typeof entry.lfs.oid === 'string') file.sha256 = entry.lfs.oid.toLowerCase();
      } else if (typeof entry.oid === 'string') {
        file.gitBlobId = entry.oid.toLowerCase();
      }
    }
    url = nextLink(response.headers.get('link'), pageUrl);
  }
}

function nextLink(header: string | null, base: string): string | undefined {
  const match = header?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  return match ? new URL(match[1]!, base).toString() : undefined;
}

/** A listed path, refused when it could escape the snapshot folder. */
function checkedPath(value: unknown, repo: string, url: string): string {
  const path = typeof value === 'string' ? value : '';
  const segments = path.split('/');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters (NUL first) are what this refuses
  const unsafe = /[\u0000-\u001f\u007f\\]/.test(path);
  if (!path || unsafe || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new DownloadError({
      reason: 'protocol',
      message: `The hub listed an unsafe file name ${JSON.stringify(value)}`,
      repo,
      url,
    });
  }
  return path;
}
