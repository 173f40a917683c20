import { open, rename, rm } from 'node:fs/promises';
import { float32ToBfloat16 } from './bfloat16.js';
import { dtypeByteSize, type FloatDtype, isFloatDtype } from './dtype.js';
import { UnsupportedDtypeError } from './errors/unsupported-dtype-error.js';
import { WeightFileError } from './errors/weight-file-error.js';
import { float32ToFloat16 } from './float16.js';

/** A tensor to write: float32 values, stored as `dtype`. */
export interface TensorToWrite {
  /** How to store it; F16 and BF16 round to nearest, ties to even. */
  dtype: FloatDtype;
  /** Its shape; `[]` for a scalar. */
  shape: readonly number[];
  /** One value per element, row-major. */
  data: Float32Array;
}

/** Where a tensor lands in the file being written. */
interface PlannedTensor {
  name: string;
  tensor: TensorToWrite;
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
 * crash never leaves a half-written `path`.
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
  let position = 0;
  try {
    position += await writeAll(handle, header, position);
    for (const { tensor } of planned) position += await writeAll(handle, encodeData(tensor), position);
    await handle.close();
    await rename(temporary, path);
  } catch (cause) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw new WeightFileError({
      file: path,
      reason: `writing it failed (${(cause as Error).message}).`,
      hint: 'Check free disk space and permissions, then write it again.',
      cause,
    });
  }
  return position;
}

/**
 * The size in bytes `tensor` takes in a file, after conversion to its dtype.
 *
 * @throws UnsupportedDtypeError when its dtype is not F32, F16 or BF16.
 */
export function storedByteLength(tensor: TensorToWrite, file: string, name: string): number {
  if (!isFloatDtype(tensor.dtype)) {
    throw new UnsupportedDtypeError({
      file,
      tensor: name,
      dtype: String(tensor.dtype),
      action: 'written from float32',
      hint: 'Pass dtype F32, F16 or BF16.',
    });
  }
  return tensor.data.length * dtypeByteSize(tensor.dtype);
}

function planTensors(file: string, tensors: Readonly<Record<string, TensorToWrite>>): PlannedTensor[] {
  let offset = 0;
  return Object.keys(tensors)
    .sort(compareCodeUnits)
    .map((name) => {
      const tensor = tensors[name]!;
      checkTensor(file, name, tensor);
      const byteLength = storedByteLength(tensor, file, name);
      const planned = { name, tensor, begin: offset, end: offset + byteLength };
      offset += byteLength;
      return planned;
    });
}

function checkTensor(file: string, name: string, tensor: TensorToWrite): void {
  const fail = (reason: string): never => {
    throw new WeightFileError({ file, tensor: name, reason, hint: 'Fix the tensors passed to the writer.' });
  };
  if (name === '__metadata__') fail('"__metadata__" is reserved for the header metadata and cannot name a tensor.');
  const { shape, data } = tensor;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    fail(`cannot write shape ${JSON.stringify(shape)}: it must be a list of non-negative integers.`);
  }
  const elements = shape.reduce((product, dim) => product * dim, 1);
  if (!(data instanceof Float32Array) || data.length !== elements) {
    fail(
      `cannot write it: shape [${shape.join(', ')}] has ${elements} elements but the data has ${data instanceof Float32Array ? `${data.length} values` : 'no Float32Array'}.`,
    );
  }
}

function encodeHeader(planned: readonly PlannedTensor[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  for (const { name, tensor, begin, end } of planned) {
    header[name] = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [begin, end] };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const paddedLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + paddedLength).fill(0x20, 8 + json.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(paddedLength), true);
  bytes.set(json, 8);
  return bytes;
}

function encodeData({ dtype, data }: TensorToWrite): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const halves = dtype === 'BF16' ? float32ToBfloat16(data) : float32ToFloat16(data);
  return new Uint8Array(halves.buffer, halves.byteOffset, halves.byteLength);
}

async function writeAll(
  handle: Awaited<ReturnType<typeof open>>,
  bytes: Uint8Array,
  position: number,
): Promise<number> {
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
