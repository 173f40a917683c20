import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../errors/checkpoint-error.js';

/**
 * Reads and parses a checkpoint folder's `config.json`.
 *
 * @throws CheckpointError when the file is missing, unreadable, not JSON or not an object.
 */
export async function readCheckpointConfig(checkpointDir: string): Promise<Record<string, unknown>> {
  const file = join(checkpointDir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CheckpointError({
      file,
      reason: missing ? 'the file does not exist' : `it cannot be read (${(cause as Error).message})`,
      hint: missing
        ? `Is ${checkpointDir} a Hugging Face checkpoint folder? It needs a config.json next to the weights.`
        : undefined,
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
    throw new CheckpointError({ file, reason: 'it must hold a JSON object' });
  }
  return json as Record<string, unknown>;
}
