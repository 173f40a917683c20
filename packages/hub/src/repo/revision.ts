import { DownloadError } from '../errors/download-error.js';

const commitSha = /^[0-9a-f]{40}$/;

/** True when `revision` is a full commit sha (40 lowercase hex digits). */
export function isCommitSha(revision: string): boolean {
  return commitSha.test(revision);
}

// Control characters (NUL included) and the characters git refuses in ref names (`git check-ref-format`), plus `\`.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
const forbidden = /[\u0000-\u001f\u007f \\~^:?*[]/;

/**
 * True when `text` can name a revision: a branch, a tag, a commit sha (full
 * or short) or a hub ref such as `refs/pr/1`. It follows git's rules for ref
 * names (`git check-ref-format`): `/`-separated segments, none empty, `.` or
 * `..`, none starting with `.` or ending with `.lock`; no `..` or `@{`
 * anywhere; no control characters (NUL included), spaces, `\`, `~`, `^`, `:`,
 * `?`, `*` or `[`; not `@`, not ending with `.`; at most 255 characters. Such a name cannot climb
 * out of a folder it is joined to.
 */
export function isRevisionName(text: string): boolean {
  if (text.length === 0 || text.length > 255 || text === '@') return false;
  if (forbidden.test(text) || text.includes('..') || text.includes('@{') || text.endsWith('.')) return false;
  return text.split('/').every((segment) => segment !== '' && !segment.startsWith('.') && !segment.endsWith('.lock'));
}

/**
 * Checks a revision given by the user before it reaches a URL or a path.
 *
 * @returns the revision.
 * @throws DownloadError (`usage`, code `PIO_HUB_USAGE`) when it is not a {@link isRevisionName revision name}.
 */
export function checkRevision(revision: string, repo?: string): string {
  if (isRevisionName(revision)) return revision;
  throw new DownloadError({
    reason: 'usage',
    message: `${JSON.stringify(revision)} is not a revision name${repo ? ` of ${repo}` : ''}`,
    ...(repo ? { repo } : {}),
    hint: 'Give a branch, tag or commit sha with --revision (default: main), for example main, v1.0 or refs/pr/1.',
  });
}

/**
 * Checks the commit sha a hub answered for `revision`: it names the snapshot
 * folder, so anything but 40 lowercase hex digits (a path such as
 * `../../tmp/x`, an absolute path) is refused; asking for a full commit sha
 * must give back that commit.
 *
 * @returns the commit.
 * @throws DownloadError (`protocol`, code `PIO_HUB_PROTOCOL`) naming the repository, revision and the value.
 */
export function checkCommit(value: unknown, context: { repo: string; revision: string; url: string }): string {
  const { repo, revision, url } = context;
  const hint = 'Check HF_ENDPOINT (or --endpoint): it must point at a Hugging Face hub or a mirror you trust.';
  if (typeof value !== 'string' || !isCommitSha(value)) {
    throw new DownloadError({
      reason: 'protocol',
      message: `The hub answered the commit ${JSON.stringify(value)} for revision "${revision}" of ${repo}, not a 40-hex-digit sha; nothing was written`,
      repo,
      url,
      hint,
    });
  }
  if (isCommitSha(revision) && value !== revision) {
    throw new DownloadError({
      reason: 'protocol',
      message: `Asked for commit ${revision} of ${repo}, the hub answered commit ${value}; nothing was written`,
      repo,
      url,
      hint,
    });
  }
  return value;
}
