import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { float32ToBfloat16 } from './bfloat16.js';
import { dtypeByteSize, type FloatDtype, isFloatDtype } from './dtype.js';
import { UnsupportedDtypeError } from './errors/unsupported-dtype-error.js';
import { WeightFileError } from './errors/weight-file-error.js';
import { float32ToFloat16 } from './float16.js';

/** What a tensor will be stored as, before its data exists (see {@link SafetensorsWriter}). */
export interface TensorPlan {
  /** How to store it; F16 and BF16 round to nearest, ties to even. */
  dtype: FloatDtype;
  /** Its shape; `[]` for a scalar. */
  shape: readonly number[];
}

/** A tensor to write: float32 values, stored as `dtype`. */
export interface TensorToWrite extends TensorPlan {
  /** One value per element, row-major. */
  data: Float32Array;
}

/** Where a tensor lands in the file being written. */
interface PlannedTensor {
  name: string;
  plan: TensorPlan;
  begin: number;
  end: number;
}

/**
 * Writes tensors to a safetensors file, laid out as Hugging Face's writer
 * does: the JSON header padded with spaces to a multiple of 8 bytes, tensors
 * in sorted name order with contiguous offsets. The output depends only on
 * the arguments, so the same tensors always give the same bytes.
 *
 * The file is written under a temporary name and renamed into place, so a
 * crash never leaves a half-written `path`. To write tensors one at a time
 * without holding them all, use {@link SafetensorsWriter}.
 *
 * @param path - The file to create or replace.
 * @param tensors - The tensors by name.
 * @param metadata - The header's `__metadata__` (Hugging Face writes `{ format: 'pt' }`); left out when omitted.
 * @returns The size of the written file in bytes.
 * @throws UnsupportedDtypeError when a dtype is not F32, F16 or BF16.
 * @throws WeightFileError when a tensor is named `__metadata__`, its shape is
 *   not a list of non-negative integers, or its data does not have one value
 *   per element; or when the file cannot be written.
 */
export async function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, TensorToWrite>>,
  metadata?: Readonly<Record<string, string>>,
): Promise<number> {
  // Every tensor is checked before the file is created.
  for (const [name, tensor] of Object.entries(tensors)) checkData(path, name, tensor, tensor.data);
  const writer = await SafetensorsWriter.create(path, tensors, metadata);
  for (const name of writer.tensorNames) await writer.write(name, tensors[name]!.data);
  return writer.finish();
}

/**
 * A safetensors file written tensor by tensor, in any order: the header is
 * laid out from the tensors' dtypes and shapes alone (exactly as
 * {@link writeSafetensors} lays it out), and each tensor's data goes to its
 * offset when it is written, so only one tensor needs to be in memory at a
 * time. The file is written under a temporary name and renamed into place by
 * {@link SafetensorsWriter.finish}, once every tensor is written.
 *
 * @example
 * ```ts
 * const writer = await SafetensorsWriter.create('model.safetensors', { w: { dtype: 'BF16', shape: [n, k] } });
 * await writer.write('w', makeWeight()); // the array may be dropped now
 * await writer.finish();
 * ```
 */
export class SafetensorsWriter {
  /** The file being written (its final name). */
  readonly path: string;
  /** Size the finished file will have. */
  readonly byteLength: number;
  /** Bytes of tensor data (the file without its header). */
  readonly dataBytes: number;

  readonly #temporary: string;
  readonly #handle: FileHandle;
  readonly #planned: ReadonlyMap<string, PlannedTensor>;
  readonly #dataStart: number;
  readonly #pending: Set<string>;
  #done = false;

  private constructor(path: string, temporary: string, handle: FileHandle, planned: PlannedTensor[], header: number) {
    this.path = path;
    this.#temporary = temporary;
    this.#handle = handle;
    this.#planned = new Map(planned.map((tensor) => [tensor.name, tensor]));
    this.#pending = new Set(this.#planned.keys());
    this.#dataStart = header;
    this.dataBytes = planned.at(-1)?.end ?? 0;
    this.byteLength = header + this.dataBytes;
  }

  /**
   * Checks the plan, creates the temporary file and writes the header.
   *
   * @param path - The file to create or replace.
   * @param tensors - Every tensor's dtype and shape, by name.
   * @param metadata - The header's `__metadata__`; left out when omitted.
   * @throws UnsupportedDtypeError when a dtype is not F32, F16 or BF16.
   * @throws WeightFileError when a tensor is named `__metadata__` or its shape
   *   is not a list of non-negative integers; or when the file cannot be created.
   */
  static async create(
    path: string,
    tensors: Readonly<Record<string, TensorPlan>>,
    metadata?: Readonly<Record<string, string>>,
  ): Promise<SafetensorsWriter> {
    const planned = planTensors(path, tensors);
    const header = encodeHeader(planned, metadata);
    const temporary = `${path}.partial-${process.pid}-${Date.now()}`;
    const handle = await open(temporary, 'w').catch((cause: unknown) => {
      throw new WeightFileError({
        file: path,
        reason: `it cannot be created (${(cause as Error).message}).`,
        hint: 'Check that the folder exists and is writable.',
        cause,
      });
    });
    const writer = new SafetensorsWriter(path, temporary, handle, planned, header.length);
    await writer.#guard(() => writeAll(handle, header, 0));
    return writer;
  }

  /** Every tensor's name, in file order (sorted). */
  get tensorNames(): string[] {
    return [...this.#planned.keys()];
  }

  /** Names of the tensors not written yet, in file order. */
  get pendingTensors(): string[] {
    return [...this.#pending];
  }

  /**
   * Writes one tensor's data at its offset (converted to its dtype). Writes
   * may come in any order, each tensor once; do not run two at once on the
   * same writer.
   *
   * @param name - A tensor of the plan.
   * @param data - One float32 value per element; not kept after the call.
   * @throws WeightFileError when the name is not planned or already written,
   *   the data does not fit the shape, or the write fails (the temporary file
   *   is removed then).
   */
  async write(name: string, data: Float32Array): Promise<void> {
    const planned = this.#planned.get(name);
    if (planned === undefined || !this.#pending.has(name) || this.#done) {
      throw new WeightFileError({
        file: this.path,
        tensor: name,
        reason: this.#done
          ? 'the file is finished or aborted already.'
          : planned === undefined
            ? `it is not one of the ${this.#planned.size} tensors the file was planned with.`
            : 'it was written already.',
        hint: 'Plan every tensor in SafetensorsWriter.create and write each one once, before finish().',
      });
    }
    checkData(this.path, name, planned.plan, data);
    const bytes = encodeData(planned.plan.dtype, data);
    await this.#guard(() => writeAll(this.#handle, bytes, this.#dataStart + planned.begin));
    this.#pending.delete(name);
  }

  /**
   * Closes the file and renames it into place.
   *
   * @returns The size of the file in bytes.
   * @throws WeightFileError when a planned tensor was never written, or closing or renaming fails (the temporary file is removed then).
   */
  async finish(): Promise<number> {
    if (this.#pending.size > 0) {
      const missing = [...this.#pending];
      await this.abort();
      throw new WeightFileError({
        file: this.path,
        reason: `${missing.length} planned tensor(s) were never written: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}.`,
        hint: 'Write every tensor of the plan before finish().',
      });
    }
    await this.#guard(async () => {
      this.#done = true;
      await this.#handle.close();
      await rename(this.#temporary, this.path);
    });
    return this.byteLength;
  }

  /** Closes and removes the temporary file; `path` is left as it was. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#handle.close().catch(() => {});
    await rm(this.#temporary, { force: true });
  }

  /** Runs a write step; on failure removes the temporary file and throws a WeightFileError naming `path`. */
  async #guard(step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (cause) {
      this.#done = false;
      await this.abort();
      throw new WeightFileError({
        file: this.path,
        reason: `writing it failed (${(cause as Error).message}).`,
        hint: 'Check free disk space and permissions, then write it again.',
        cause,
      });
    }
  }
}

/**
 * Bytes a tensor takes in the file.
 *
 * @param tensor - Its dtype and shape (or data).
 * @param file - Named in the error.
 * @param name - Named in the error.
 * @throws UnsupportedDtypeError when the dtype is not F32, F16 or BF16.
 */
export function storedByteLength(tensor: TensorPlan, file: string, name: string): number {
  if (!isFloatDtype(tensor.dtype)) {
    throw new UnsupportedDtypeError({
      file,
      tensor: name,
      dtype: String(tensor.dtype),
      action: 'written from float32',
      hint: 'Pass dtype F32, F16 or BF16.',
    });
  }
  return elementCount(tensor.shape) * dtypeByteSize(tensor.dtype);
}

/**
 * Checks a tensor's name and shape for writing (its data is checked when written).
 *
 * @throws WeightFileError when it is named `__metadata__` or its shape is not a list of non-negative integers.
 */
export function checkTensorPlan(file: string, name: string, plan: TensorPlan): void {
  if (name === '__metadata__')
    fail(file, name, '"__metadata__" is reserved for the header metadata and cannot name a tensor.');
  const { shape } = plan;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    fail(file, name, `cannot write shape ${JSON.stringify(shape)}: it must be a list of non-negative integers.`);
  }
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

function fail(file: string, name: string, reason: string): never {
  throw new WeightFileError({ file, tensor: name, reason, hint: 'Fix the tensors passed to the writer.' });
}

function checkData(file: string, name: string, plan: TensorPlan, data: unknown): void {
  checkTensorPlan(file, name, plan);
  const elements = elementCount(plan.shape);
  if (!(data instanceof Float32Array) || data.length !== elements) {
    fail(
      file,
      name,
      `cannot write it: shape [${plan.shape.join(', ')}] has ${elements} elements but the data has ${data instanceof Float32Array ? `${data.length} values` : 'no Float32Array'}.`,
    );
  }
}

function planTensors(file: string, tensors: Readonly<Record<string, TensorPlan>>): PlannedTensor[] {
  let offset = 0;
  return Object.keys(tensors)
    .sort(compareCodeUnits)
    .map((name) => {
      const tensor = tensors[name]!;
      checkTensorPlan(file, name, tensor);
      const byteLength = storedByteLength(tensor, file, name);
      // Only dtype and shape: a TensorToWrite passed as a plan must not keep its data alive here.
      const planned = {
        name,
        plan: { dtype: tensor.dtype, shape: [...tensor.shape] },
        begin: offset,
        end: offset + byteLength,
      };
      offset += byteLength;
      return planned;
    });
}

function encodeHeader(planned: readonly PlannedTensor[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  for (const { name, plan, begin, end } of planned) {
    header[name] = { dtype: plan.dtype, shape: [...plan.shape], data_offsets: [begin, end] };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const paddedLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + paddedLength).fill(0x20, 8 + json.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(paddedLength), true);
  bytes.set(json, 8);
  return bytes;
}

function encodeData(dtype: FloatDtype, data: Float32Array): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const halves = dtype === 'BF16' ? float32ToBfloat16(data) : float32ToFloat16(data);
  return new Uint8Array(halves.buffer, halves.byteOffset, halves.byteLength);
}

/** Writes all of `bytes` at `position`; returns how many (all). */
async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.length - done, 1 << 30), position + done);
    if (bytesWritten === 0) throw new Error(`no bytes written at byte ${position + done}`);
    done += bytesWritten;
  }
  return done;
}

// Sort by UTF-16 code units, the same order for everyone, independent of locale.
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
