import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Copies a checkpoint folder to `to` (for a test to break the copy, not the original). */
export async function copyCheckpoint(from: string, to: string): Promise<string> {
  await cp(from, to, { recursive: true });
  return to;
}

/** Merges `change` (snake_case keys) into the `config.json` of the checkpoint in `dir`. */
export async function editCheckpointConfig(dir: string, change: Record<string, unknown>): Promise<void> {
  const file = join(dir, 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...config, ...change }, null, 2));
}
