import { lstat, readlink } from 'node:fs/promises';
import { WeightFileError } from './errors/weight-file-error.js';

/**
 * The {@link WeightFileError} for a weight file (or index) that cannot be
 * opened, read or stat-ed: the operating system's error turned into what is
 * wrong and what to do — a dangling or looping symbolic link, a permission
 * problem, a folder where a file should be, a file that does not exist.
 *
 * It looks at the path once more (`lstat`, `readlink`) to tell a missing
 * file from a link to a missing file. Other errors keep the operating
 * system's message.
 *
 * @param file - The path that failed.
 * @param cause - The error `open`, `stat` or `read` threw; kept as `cause`.
 * @param context - Words appended to the reason, for example `(the index X lists it)`.
 * @returns The error to throw (it never throws itself).
 */
export async function weightFileAccessError(file: string, cause: unknown, context?: string): Promise<WeightFileError> {
  const fail = (reason: string, hint: string) =>
    new WeightFileError({ file, reason: context ? `${reason.slice(0, -1)} ${context}.` : reason, hint, cause });
  switch ((cause as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT': {
      const target = await linkTarget(file);
      if (target !== undefined) {
        return fail(
          `it is a symbolic link to ${target}, which does not exist.`,
          'Point the link at the real weight file (were the checkpoint or its blobs moved?), or download the checkpoint again.',
        );
      }
      return fail('the file does not exist.', 'Check the path, or download the checkpoint again if a file is missing.');
    }
    case 'ELOOP':
      return fail(
        'it is a symbolic link that loops (or goes through more than 40 links) and never reaches a file.',
        `Replace ${file} with the weight file itself, or make the link point at it.`,
      );
    case 'EACCES':
    case 'EPERM':
      return fail(
        'permission denied: this user may not read it.',
        `Make it readable (for example chmod a+r ${file}, and a+x on its folders), or run PIO as a user who may read it.`,
      );
    case 'EISDIR':
      return notAFileError(file, 'a folder', cause, context);
    case 'ENOTDIR':
      return fail(
        'a part of its path is a file, not a folder.',
        'Check the path: a checkpoint is a folder holding its weight files.',
      );
    default:
      return fail(
        `it cannot be read (${(cause as Error | undefined)?.message ?? String(cause)}).`,
        'Check that the disk is readable and try again; if it fails the same way, download the checkpoint again.',
      );
  }
}

/**
 * The {@link WeightFileError} for a path that exists but is not a regular
 * file: a folder named `model.safetensors`, a device, a socket.
 *
 * @param file - The path.
 * @param kind - What it is instead, for the message (`a folder`, `a special file`).
 * @param cause - The underlying error, if any.
 * @param context - Words appended to the reason.
 */
export function notAFileError(file: string, kind: string, cause?: unknown, context?: string): WeightFileError {
  return new WeightFileError({
    file,
    reason: `it is ${kind}, not a regular file${context ? ` ${context}` : ''}.`,
    hint: `Remove or rename ${file} and put the weight file itself there (download it again if needed).`,
    ...(cause === undefined ? {} : { cause }),
  });
}

async function linkTarget(file: string): Promise<string | undefined> {
  try {
    return (await lstat(file)).isSymbolicLink() ? await readlink(file) : undefined;
  } catch {
    return undefined;
  }
}

/** True when `path` itself is a symbolic link (false when it cannot be checked). */
export async function isSymbolicLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}
