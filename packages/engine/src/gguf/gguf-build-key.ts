import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ggufSplitPaths, readGgufHeader } from '@pio/gguf';

/**
 * The build-cache key of a GGUF checkpoint: SHA-256 of the build options and,
 * for the file (every shard of a split set), its name, size, mtime, ctime,
 * inode and header bytes (metadata and tensor infos, up to the data section).
 * As for safetensors, the tensor data itself is not hashed: a cached start
 * must be fast, and ctime + inode catch a file edited in place.
 *
 * @throws GgufFileError when a header cannot be read.
 */
export async function ggufBuildKey(file: string, buildOptions: Record<string, unknown>): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(buildOptions));
  for (const path of ggufSplitPaths(file) ?? [file]) {
    const info = await stat(path);
    hash.update(`${basename(path)}:${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`);
    const { dataOffset } = await readGgufHeader(path);
    const handle = await open(path, 'r');
    try {
      const header = Buffer.alloc(Math.min(dataOffset, info.size));
      await handle.read(header, 0, header.length, 0);
      hash.update(header);
    } finally {
      await handle.close();
    }
  }
  return hash.digest('hex').slice(0, 32);
}
