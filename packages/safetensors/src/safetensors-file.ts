import { type FileHandle, open } from 'node:fs/promises';
import { bfloat16ToFloat32 } from './bfloat16.js';
import { checkShape } from './check-shape.js';
import { dtypeByteSize, isFloatDtype, type SafetensorsDtype } from './dtype.js';
import { MissingTensorError } from './errors/missing-tensor-error.js';
import { UnsupportedDtypeError } from './errors/unsupported-dtype-error.js';
import { WeightFileError } from './errors/weight-file-error.js';
import { float16ToFloat32 } from './float16.js';
import { decodeHeaderLength, parseHeader, type SafetensorsHeader, type TensorEntry } from './parse-header.js';
import { readAt, readChunks } from './read-at.js';
import { similarNames } from './similar-names.js';
import { notAFileError, weightFileAccessError } from './weight-file-access-error.js';

/** What a tensor is, without its data. */
export interface TensorInfo {
  /** Its dtype as stored. */
  readonly dtype: SafetensorsDtype;
  /** Its shape; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Size of its stored data in bytes. */
  readonly byteLength: number;
}

/**
 * One open `.safetensors` file. Opening reads and validates only the header;
 * each tensor is read on demand with positioned reads into the one buffer
 * that is returned, so a file is never held in memory as a whole.
 *
 * Assumes a little-endian host (every platform Node ships prebuilt binaries
 * for except s390x), as the format stores little-endian data.
 *
 * @example
 * ```ts
 * await using file = await SafetensorsFile.open('model.safetensors');
 * const weight = await file.read('lm_head.weight'); // Float32Array
 * ```
 */
export class SafetensorsFile {
  /** Path of the file, as given to {@link SafetensorsFile.open}. */
  readonly path: string;

  /** Size of the file in bytes. */
  readonly fileSize: number;

  readonly #handle: FileHandle;
  readonly #header: SafetensorsHeader;
  #bytesRead: number;
  #closed = false;

  private constructor(path: string, handle: FileHandle, header: SafetensorsHeader, fileSize: number) {
    this.path = path;
    this.#handle = handle;
    this.#header = header;
    this.fileSize = fileSize;
    this.#bytesRead = header.dataStart;
  }

  /**
   * Opens a safetensors file and validates its header (not the data).
   *
   * @param path - The `.safetensors` file.
   * @returns The open file; call {@link SafetensorsFile.close} when done.
   * @throws WeightFileError when the file is missing, a dangling or looping
   *   symbolic link, not readable by this user, a folder, truncated,
   *   has a bad header length or a header that is not valid JSON, or a tensor
   *   entry with an unknown dtype, a bad shape, or offsets out of range or
   *   overlapping.
   */
  static async open(path: string): Promise<SafetensorsFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (cause) {
      throw await weightFileAccessError(path, cause);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw notAFileError(path, stats.isDirectory() ? 'a folder' : 'a special file');
      const prefix = new Uint8Array(Math.min(8, stats.size));
      await readAt(handle, prefix, 0, path);
      const headerLength = decodeHeaderLength(prefix, path, stats.size);
      const headerBytes = new Uint8Array(headerLength);
      await readAt(handle, headerBytes, 8, path);
      return new SafetensorsFile(path, handle, parseHeader(headerBytes, path, stats.size), stats.size);
    } catch (error) {
      await handle.close();
      if (WeightFileError.isInstance(error)) throw error;
      throw await weightFileAccessError(path, error);
    }
  }

  /** The header's `__metadata__` map (for example `{ format: 'pt' }`); empty when absent. */
  get metadata(): Readonly<Record<string, string>> {
    return this.#header.metadata;
  }

  /** Bytes read from disk so far: the header, plus every tensor read. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** Every tensor's name, in the header's order. */
  tensorNames(): string[] {
    return [...this.#header.tensors.keys()];
  }

  /** True when the file holds a tensor called `name`. */
  has(name: string): boolean {
    return this.#header.tensors.has(name);
  }

  /**
   * A tensor's dtype, shape and size, from the header (no disk access).
   *
   * @throws MissingTensorError when there is no such tensor (the message lists similar names).
   */
  info(name: string): TensorInfo {
    const { dtype, shape, byteLength } = this.#entry(name);
    return { dtype, shape, byteLength };
  }

  /**
   * Checks a tensor's shape against the one the model's `config.json`
   * implies, before any data is read.
   *
   * @returns The tensor's info, when its shape matches.
   * @throws TensorShapeError when the shapes differ (names the file, the tensor and both shapes).
   * @throws MissingTensorError when there is no such tensor.
   */
  expectShape(name: string, expected: readonly number[]): TensorInfo {
    const info = this.info(name);
    checkShape(this.path, name, info.shape, expected);
    return info;
  }

  /**
   * Reads a tensor's stored bytes as they are, in any dtype.
   *
   * @returns A new Uint8Array over its own ArrayBuffer (offset 0, so typed
   *   views of any element size can be laid over it).
   * @throws MissingTensorError when there is no such tensor.
   * @throws WeightFileError when the file was closed or shrank since it was opened.
   */
  async readRaw(name: string): Promise<Uint8Array> {
    const entry = this.#entry(name);
    const bytes = new Uint8Array(entry.byteLength);
    await this.#readChunks(entry, name, (chunk, offset) => bytes.set(chunk, offset));
    return bytes;
  }

  /**
   * Reads a tensor as float32 values, converting F16 and BF16 exactly.
   *
   * The result is the only tensor-sized buffer allocated: the data passes
   * through a small reused buffer and is copied or widened into it.
   *
   * @returns A new Float32Array with one value per element, row-major.
   * @throws MissingTensorError when there is no such tensor.
   * @throws UnsupportedDtypeError when its dtype is not F32, F16 or BF16 (use {@link SafetensorsFile.readRaw}).
   * @throws WeightFileError when the file was closed or shrank since it was opened.
   */
  async read(name: string): Promise<Float32Array> {
    const entry = this.#entry(name);
    const { dtype } = entry;
    if (!isFloatDtype(dtype)) {
      throw new UnsupportedDtypeError({
        file: this.path,
        tensor: name,
        dtype,
        action: 'read as float32',
        hint: 'Read it with readRaw() and decode the bytes, or re-export the checkpoint in F32, F16 or BF16.',
      });
    }
    const values = new Float32Array(entry.byteLength / dtypeByteSize(dtype));
    if (dtype === 'F32') {
      const bytes = new Uint8Array(values.buffer);
      await this.#readChunks(entry, name, (chunk, offset) => bytes.set(chunk, offset));
      return values;
    }
    const widen = dtype === 'BF16' ? bfloat16ToFloat32 : float16ToFloat32;
    await this.#readChunks(entry, name, (chunk, offset) => {
      const halves = new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.length / 2);
      widen(halves, values.subarray(offset / 2, offset / 2 + halves.length));
    });
    return values;
  }

  /** Closes the file. Safe to call more than once; reads after it fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }

  /** Closes the file at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #entry(name: string): TensorEntry {
    const entry = this.#header.tensors.get(name);
    if (entry) return entry;
    const names = this.#header.tensors.keys();
    throw new MissingTensorError({
      file: this.path,
      tensor: name,
      similar: similarNames(name, names),
      tensorCount: this.#header.tensors.size,
    });
  }

  async #readChunks(
    entry: TensorEntry,
    name: string,
    consume: (chunk: Uint8Array, offset: number) => void,
  ): Promise<void> {
    if (this.#closed) {
      throw new WeightFileError({
        file: this.path,
        tensor: name,
        reason: 'the file was already closed.',
        hint: 'Read every tensor you need before calling close(), or open the file again.',
      });
    }
    try {
      await readChunks(this.#handle, entry.start, entry.byteLength, consume, this.path, name);
    } catch (error) {
      if (WeightFileError.isInstance(error)) throw error;
      throw new WeightFileError({
        file: this.path,
        tensor: name,
        reason: `reading its data failed (${(error as Error).message}).`,
        cause: error,
      });
    }
    this.#bytesRead += entry.byteLength;
  }
}
