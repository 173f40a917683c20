import { readFile } from 'node:fs/promises';
import { CheckpointError } from '../errors/checkpoint-error.js';

/** How {@link readJsonObjectFile} words its errors. */
export interface ReadJsonObjectFileOptions {
  /** The hint of the CheckpointError when the file does not exist. */
  missingHint?: string;
  /** The hint of the CheckpointError when the file exists but cannot be read. */
  unreadableHint?: string;
  /** What the file must hold, for the error when its JSON is not an object. Default `a JSON object`. */
  expected?: string;
  /** True: a missing file is not an error, and the result is `undefined`. */
  optional?: boolean;
}

/**
 * Reads and parses a JSON file that must hold an object (`config.json`,
 * `generation_config.json`, a remote descriptor).
 *
 * @param file the file
 * @param options hints of the errors; `optional` for a file that may be absent
 * @returns the object, or `undefined` for a missing `optional` file
 * @throws CheckpointError naming the file when it is missing (unless
 *   `optional`), unreadable, not JSON or not a JSON object.
 */
export async function readJsonObjectFile(
  file: string,
  options: ReadJsonObjectFileOptions & { optional: true },
): Promise<Record<string, unknown> | undefined>;
export async function readJsonObjectFile(
  file: string,
  options?: ReadJsonObjectFileOptions,
): Promise<Record<string, unknown>>;
export async function readJsonObjectFile(
  file: string,
  options: ReadJsonObjectFileOptions = {},
): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && options.optional) return undefined;
    throw new CheckpointError({
      file,
      reason: missing ? 'the file does not exist' : `it cannot be read (${(cause as Error).message})`,
      hint: missing ? options.missingHint : options.unreadableHint,
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointError({ file, reason: `it is not valid JSON (${(cause as Error).message})`, cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError({ file, reason: `it must hold ${options.expected ?? 'a JSON object'}` });
  }
  return json as Record<string, unknown>;
}
