import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The file name of a remote descriptor inside a folder. */
export const remoteDescriptorFileName = 'pio-remote.json';

/** The ending of a remote descriptor file given by path (`cluster.remote.json`). */
export const remoteDescriptorSuffix = '.remote.json';

/**
 * The remote descriptor a checkpoint path names: the path itself when it is a
 * file ending in `.remote.json`, or `<folder>/pio-remote.json` when the folder
 * holds one. A descriptor stands for a model served elsewhere over the OpenAI
 * protocol (format `remote`); core only finds it, the plugin reads it.
 * `undefined` for anything else.
 *
 * @param checkpoint a file or folder path
 */
export async function findRemoteDescriptor(checkpoint: string): Promise<string | undefined> {
  const info = await stat(checkpoint).catch(() => undefined);
  if (!info) return undefined;
  if (info.isFile()) return checkpoint.endsWith(remoteDescriptorSuffix) ? checkpoint : undefined;
  if (!info.isDirectory()) return undefined;
  const inside = join(checkpoint, remoteDescriptorFileName);
  return (await stat(inside).catch(() => undefined))?.isFile() ? inside : undefined;
}
