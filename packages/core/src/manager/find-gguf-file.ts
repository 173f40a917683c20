import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../errors/checkpoint-error.js';

const splitName = /-(\d{5})-of-(\d{5})\.gguf$/;

/**
 * The GGUF file a checkpoint path names: the path itself when it is a file
 * ending in `.gguf`; for a folder, its one `.gguf` file, or the first shard
 * of its one split set (`name-00001-of-00003.gguf`). `undefined` when the path
 * is neither (a folder without GGUF files, or one that also holds
 * `*.safetensors`, which stay the preferred format).
 *
 * @throws CheckpointError for a folder holding several GGUF files that are not one split set.
 */
export async function findGgufFile(checkpoint: string): Promise<string | undefined> {
  const info = await stat(checkpoint).catch(() => undefined);
  if (!info) return undefined;
  if (info.isFile()) return checkpoint.endsWith('.gguf') ? checkpoint : undefined;
  if (!info.isDirectory()) return undefined;
  const names = (await readdir(checkpoint).catch(() => [] as string[])).sort();
  if (names.some((name) => name.endsWith('.safetensors'))) return undefined;
  const ggufs = names.filter((name) => name.endsWith('.gguf'));
  if (ggufs.length === 0) return undefined;
  if (ggufs.length === 1) return join(checkpoint, ggufs[0]!);
  const sets = new Set(ggufs.map((name) => name.replace(splitName, '')));
  if (sets.size === 1 && ggufs.every((name) => splitName.test(name))) return join(checkpoint, ggufs[0]!);
  throw new CheckpointError({
    file: checkpoint,
    reason: `it holds several GGUF files (${ggufs.join(', ')})`,
    hint: 'Pass the path of the .gguf file to run instead of its folder.',
  });
}
