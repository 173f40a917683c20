import { DownloadError } from '../errors/download-error.js';

// The hub's rule for a namespace or a name: letters, digits, `-`, `_`, `.`; not starting with `.` or `-`; at most 96 characters.
const part = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}$/;

/** A model repository on the hub, `owner/name`. */
export interface RepoId {
  /** The user or organization. */
  owner: string;
  /** The repository name. */
  name: string;
}

/** True when `text` has the form of a hub model id, `owner/name` (no other slashes, no `..`). */
export function isRepoId(text: string): boolean {
  const parts = text.split('/');
  return parts.length === 2 && parts.every((p) => part.test(p) && !p.includes('..'));
}

/**
 * Splits `owner/name`.
 *
 * @throws DownloadError (`usage`) when `text` is not of that form.
 */
export function parseRepoId(text: string): RepoId {
  if (!isRepoId(text)) {
    throw new DownloadError({
      reason: 'usage',
      message: `"${text}" is not a model repository id`,
      hint: 'Give it as owner/name, for example HuggingFaceTB/SmolLM2-135M-Instruct.',
    });
  }
  const [owner, name] = text.split('/') as [string, string];
  return { owner, name };
}
