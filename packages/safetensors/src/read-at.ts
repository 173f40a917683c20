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

// Reads go through small reused buffers, then get copied or widened into the
// result. On the VMs this project runs on that is 1.2-2.4x faster than one
// read() straight into a fresh tensor-sized buffer (benchmarks/read.bench.ts):
// there the kernel takes a page fault per 4 KiB inside its copy, which costs
// more than the extra memcpy from a buffer that stays in cache.
const scratchBytes = 2 << 20;
const idleScratch: Uint8Array[] = [];
const maxIdleScratch = 4;

/**
 * Reads `byteLength` bytes from `position` in scratch-sized chunks, handing
 * each chunk to `consume` with its offset from `position`. A chunk is only
 * valid during the call: `consume` must copy what it keeps. Chunks hold a
 * whole number of elements of any dtype (their size is a multiple of 8).
 *
 * @throws WeightFileError when the file ends early (it shrank after it was opened).
 */
export async function readChunks(
  handle: FileHandle,
  position: number,
  byteLength: number,
  consume: (chunk: Uint8Array, offset: number) => void,
  file: string,
  tensor?: string,
): Promise<void> {
  const scratch = idleScratch.pop() ?? new Uint8Array(scratchBytes);
  try {
    for (let offset = 0; offset < byteLength; offset += scratchBytes) {
      const chunk = scratch.subarray(0, Math.min(scratchBytes, byteLength - offset));
      await readAt(handle, chunk, position + offset, file, tensor);
      consume(chunk, offset);
    }
  } finally {
    if (idleScratch.length < maxIdleScratch) idleScratch.push(scratch);
  }
}
