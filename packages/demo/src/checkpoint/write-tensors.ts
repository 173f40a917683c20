import type { ShardedSafetensorsWriter } from '@pio/safetensors';

/**
 * Writes generated tensors one by one, making the next tensor while the
 * last one's bytes go to disk, so at most two are held. On any failure the
 * writer is aborted (its temporary files removed) and the error rethrown.
 *
 * @param writer - Created with a plan holding every tensor the iterator yields.
 * @param tensors - Name and float32 data, made lazily (a generator).
 * @param onWritten - Called with each tensor once its write has started (to keep it).
 */
export async function writeTensors(
  writer: ShardedSafetensorsWriter,
  tensors: Iterable<[string, Float32Array]>,
  onWritten?: (name: string, data: Float32Array) => void,
): Promise<void> {
  let writing: Promise<void> = Promise.resolve();
  try {
    for (const [name, data] of tensors) {
      await writing;
      writing = writer.write(name, data);
      onWritten?.(name, data);
    }
    await writing;
  } catch (error) {
    await writing.catch(() => undefined);
    await writer.abort();
    throw error;
  }
}
