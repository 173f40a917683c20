import { closeSync, openSync, readSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Files read between two turns of the event loop. */
const batchSize = 64;

/**
 * Reads many small files and returns the text of each file that contains
 * `needle`; `undefined` for files that do not, and for files that are missing
 * or cannot be read. Order follows `paths`.
 *
 * Discovery reads a package.json per installed package, and most are not
 * plugins. Synchronous reads into one reused buffer, searched as bytes before
 * any decoding, are about five times faster here than `fs.promises.readFile`
 * per file (four thread-pool round trips each); yielding between batches keeps
 * the event loop responsive.
 */
export async function readFilesContaining(
  paths: readonly string[],
  needle: string,
): Promise<Array<string | undefined>> {
  const pattern = Buffer.from(needle);
  const texts = new Array<string | undefined>(paths.length).fill(undefined);
  let buffer = Buffer.allocUnsafe(64 * 1024);
  for (let start = 0; start < paths.length; start += batchSize) {
    if (start > 0) await nextTurn();
    const end = Math.min(start + batchSize, paths.length);
    for (let index = start; index < end; index++) {
      let fd: number;
      try {
        fd = openSync(paths[index]!, 'r');
      } catch {
        continue;
      }
      let length = 0;
      try {
        for (;;) {
          if (length === buffer.length) {
            const bigger = Buffer.allocUnsafe(buffer.length * 2);
            buffer.copy(bigger);
            buffer = bigger;
          }
          const read = readSync(fd, buffer, length, buffer.length - length, null);
          if (read === 0) break;
          length += read;
        }
      } catch {
        // A folder named package.json, or a read error: treat it as unreadable.
        length = -1;
      } finally {
        closeSync(fd);
      }
      if (length > 0 && buffer.subarray(0, length).indexOf(pattern) !== -1) {
        texts[index] = buffer.toString('utf8', 0, length);
      }
    }
  }
  return texts;
}
