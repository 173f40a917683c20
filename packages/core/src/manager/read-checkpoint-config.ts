import { join } from 'node:path';
import { readJsonObjectFile } from './read-json-object-file.js';

/**
 * Reads and parses a checkpoint folder's `config.json`.
 *
 * @throws CheckpointError when the file is missing, unreadable, not JSON or not an object.
 */
export function readCheckpointConfig(checkpointDir: string): Promise<Record<string, unknown>> {
  return readJsonObjectFile(join(checkpointDir, 'config.json'), {
    missingHint: `Is ${checkpointDir} a Hugging Face checkpoint folder? It needs a config.json next to the weights.`,
  });
}
