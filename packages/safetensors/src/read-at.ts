import type { FileHandle } from 'node:fs/promises';
import { WeightFileError } from './errors/weight-file-error.js';

// Node caps one read() near 2 GiB; 1 GiB steps keep the largest embedding
// matrices readable into one buffer.
const maxChunk = 1 << 30;

/**
 * Fills `target` with the file's bytes from `position` on, with positioned
 * reads (no shared file cursor, so concurrent reads are safe).
 *
 * @throws WeightFileError when the file ends early (it shrank after it was opened).
 */
export async function readAt(
  handle: FileHandle,
  target: Uint8Array,
  position: number,
  file: string,
  tensor?: string,
): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const length = Math.min(maxChunk, target.length - done);
    const { bytesRead } = await handle.read(target, done, length, position + done);
    if (bytesRead === 0) {
      throw new WeightFileError({
        file,
        ...(tensor === undefined ? {} : { tensor }),
        reason: `the file ended at byte ${position + done} while ${target.length} bytes from byte ${position} were being read: it was truncated or replaced while open.`,
      });
    }
    done += bytesRead;
  }
}
