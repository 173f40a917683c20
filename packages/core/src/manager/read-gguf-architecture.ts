import { type FileHandle, open } from 'node:fs/promises';
import { CheckpointError } from '../errors/checkpoint-error.js';

/** Byte sizes of GGUF's scalar value types (id → size); 8 is a string, 9 an array. */
const scalarSizes: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const stringType = 8;
const arrayType = 9;
const chunkSize = 1 << 16;

/** Sequential reads of a file through a small buffer (a GGUF header can hold megabytes of vocabulary). */
class HeaderReader {
  private buffer = Buffer.alloc(0);
  private start = 0;
  private position = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  /** Makes `count` bytes from the current position available, or throws at the end of the file. */
  private async ensure(count: number): Promise<number> {
    const offset = this.position - this.start;
    if (offset + count <= this.buffer.length) return offset;
    if (this.position + count > this.size) throw new RangeError('the header runs past the end of the file');
    const length = Math.min(Math.max(count, chunkSize), this.size - this.position);
    const next = Buffer.alloc(length);
    await this.handle.read(next, 0, length, this.position);
    this.buffer = next;
    this.start = this.position;
    return 0;
  }

  async u32(): Promise<number> {
    const offset = await this.ensure(4);
    this.position += 4;
    return this.buffer.readUInt32LE(offset);
  }

  async u64(): Promise<number> {
    const offset = await this.ensure(8);
    this.position += 8;
    return Number(this.buffer.readBigUInt64LE(offset));
  }

  async string(): Promise<string> {
    const length = await this.u64();
    const offset = await this.ensure(length);
    this.position += length;
    return this.buffer.toString('utf8', offset, offset + length);
  }

  skip(count: number): void {
    if (this.position + count > this.size) throw new RangeError('the header runs past the end of the file');
    this.position += count;
  }

  async skipValue(type: number): Promise<void> {
    if (type === stringType) {
      this.skip(await this.u64());
    } else if (type === arrayType) {
      const itemType = await this.u32();
      const count = await this.u64();
      const size = scalarSizes[itemType];
      if (size !== undefined) this.skip(size * count);
      else for (let index = 0; index < count; index++) await this.skipValue(itemType);
    } else {
      const size = scalarSizes[type];
      if (size === undefined) throw new RangeError(`unknown metadata value type ${type}`);
      this.skip(size);
    }
  }
}

/**
 * Reads `general.architecture` from a GGUF file's key-value header (versions
 * 2 and 3), skipping every other value without decoding it. This is all core
 * needs to choose a plugin; the full reader is `@pio/gguf`, which depends on
 * core and so cannot be used here.
 *
 * @throws CheckpointError when the file is not GGUF, is truncated, or has no `general.architecture` string.
 */
export async function readGgufArchitecture(file: string): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw new CheckpointError({ file, reason: `it cannot be read (${(cause as Error).message})`, cause });
  }
  try {
    const size = (await handle.stat()).size;
    const reader = new HeaderReader(handle, size);
    const magic = await reader.u32();
    if (magic !== 0x46554747) throw new CheckpointError({ file, reason: 'it is not a GGUF file (no GGUF magic)' });
    const version = await reader.u32();
    if (version !== 2 && version !== 3) {
      throw new CheckpointError({ file, reason: `GGUF version ${version} is not supported (2 and 3 are)` });
    }
    await reader.u64(); // tensor count
    const keys = await reader.u64();
    for (let index = 0; index < keys; index++) {
      const key = await reader.string();
      const type = await reader.u32();
      if (key === 'general.architecture' && type === stringType) return await reader.string();
      await reader.skipValue(type);
    }
    throw new CheckpointError({
      file,
      reason: 'its metadata has no general.architecture string',
      hint: 'Every GGUF written by llama.cpp names its architecture; re-convert the model with convert_hf_to_gguf.py.',
    });
  } catch (cause) {
    if (CheckpointError.isInstance(cause)) throw cause;
    throw new CheckpointError({ file, reason: `its GGUF header cannot be read (${(cause as Error).message})`, cause });
  } finally {
    await handle.close();
  }
}
