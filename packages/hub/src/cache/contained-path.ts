import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DownloadError } from '../errors/download-error.js';

/** True when `path` resolves strictly inside `root` (not `root` itself, not beside or above it). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

/**
 * The last check before a file of the cache is written: `path` must resolve
 * inside `root` (a model's cache folder). Revision names, commit shas and file
 * names are validated where they come in; this catches whatever those checks
 * miss, so the hub's answers can never place a file elsewhere.
 *
 * @returns `path`.
 * @throws DownloadError (`protocol`) naming the path, the folder and the repository.
 */
export function containedPath(
  root: string,
  path: string,
  context: { repo: string; revision: string; file?: string },
): string {
  if (isInside(root, path)) return path;
  throw new DownloadError({
    reason: 'protocol',
    message: `Refusing to write ${resolve(path)}: it is outside the model's cache folder ${resolve(root)} (revision "${context.revision}")`,
    repo: context.repo,
    ...(context.file ? { file: context.file } : {}),
    hint: 'The hub answered a commit or file name that points outside the cache; check HF_ENDPOINT (or --endpoint) and --revision.',
  });
}
