import { dtypeByteSize, isSafetensorsDtype, type SafetensorsDtype, safetensorsDtypes } from './dtype.js';
import { WeightFileError } from './errors/weight-file-error.js';

/** One tensor's entry in a safetensors header, checked against the file. */
export interface TensorEntry {
  /** Its dtype. */
  readonly dtype: SafetensorsDtype;
  /** Its shape; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** First byte of its data, from the start of the file. */
  readonly start: number;
  /** Size of its data in bytes (elements times the dtype's size). */
  readonly byteLength: number;
}

/** A parsed and validated safetensors header. */
export interface SafetensorsHeader {
  /** Every tensor by name, in the header's order. */
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  /** The `__metadata__` map (empty when the header has none). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Where the data buffer starts: 8 plus the header length. */
  readonly dataStart: number;
}

/** The largest header accepted, the same limit as the Rust `safetensors` crate (100 MB). */
export const maxHeaderLength = 100_000_000;

/**
 * Decodes and checks the 8-byte little-endian header length at the start of a
 * safetensors file.
 *
 * @param prefix - The file's first bytes (8 of them, fewer if the file is shorter).
 * @param file - The file's path, for error messages.
 * @param fileSize - The file's size in bytes.
 * @returns The header length N; the JSON header spans bytes 8 to 8+N.
 * @throws WeightFileError when the file is too short, the length is 0, larger
 *   than {@link maxHeaderLength}, or runs past the end of the file.
 */
export function decodeHeaderLength(prefix: Uint8Array, file: string, fileSize: number): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw new WeightFileError({
      file,
      reason: `the file is ${fileSize} bytes long, too short for the 8-byte header length: it is truncated or not a safetensors file.`,
    });
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  if (length === 0n || length > BigInt(maxHeaderLength)) {
    throw new WeightFileError({
      file,
      reason: `the header length field holds ${length}, not a plausible header size (1 to ${maxHeaderLength} bytes): the file is corrupt or not a safetensors file.`,
    });
  }
  const headerLength = Number(length);
  if (8 + headerLength > fileSize) {
    throw new WeightFileError({
      file,
      reason: `the header length field says ${headerLength} bytes, but only ${fileSize - 8} bytes follow it: the file is truncated (or its header length is corrupt).`,
    });
  }
  return headerLength;
}

/**
 * Parses and validates a safetensors JSON header against the file it came from.
 *
 * @param bytes - The header's bytes (after the 8-byte length).
 * @param file - The file's path, for error messages.
 * @param fileSize - The file's size in bytes; no tensor may end past it.
 * @returns The tensors, the metadata and where the data buffer starts.
 * @throws WeightFileError when the header is not UTF-8 JSON holding an object,
 *   an entry has an unknown dtype, a bad shape or bad offsets, a tensor's byte
 *   size disagrees with its shape, two tensors overlap, or a tensor ends past
 *   the end of the file (a truncated file).
 */
export function parseHeader(bytes: Uint8Array, file: string, fileSize: number): SafetensorsHeader {
  const dataStart = 8 + bytes.length;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new WeightFileError({
      file,
      reason: `its ${bytes.length}-byte header is not valid UTF-8 JSON (${(cause as Error).message}): the file is corrupt.`,
      cause,
    });
  }
  if (!isPlainObject(json)) {
    throw new WeightFileError({ file, reason: 'its header is JSON but not an object of tensor entries.' });
  }

  let metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorEntry>();
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(value, file);
      continue;
    }
    tensors.set(name, checkEntry(value, name, file, dataStart, fileSize));
  }
  checkNoOverlap(tensors, file, dataStart);
  return { tensors, metadata, dataStart };
}

function checkMetadata(value: unknown, file: string): Record<string, string> {
  if (!isPlainObject(value)) {
    throw new WeightFileError({ file, reason: '"__metadata__" in its header must be an object of strings.' });
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw new WeightFileError({
        file,
        reason: `"__metadata__.${key}" in its header is ${JSON.stringify(item)}, but metadata values must be strings.`,
      });
    }
  }
  return value as Record<string, string>;
}

function checkEntry(value: unknown, tensor: string, file: string, dataStart: number, fileSize: number): TensorEntry {
  const fail = (reason: string): never => {
    throw new WeightFileError({ file, tensor, reason });
  };
  if (!isPlainObject(value)) return fail('its header entry is not an object with dtype, shape and data_offsets.');
  const { dtype, shape, data_offsets: offsets } = value;
  if (!isSafetensorsDtype(dtype)) {
    return fail(`unknown dtype ${JSON.stringify(dtype)} (known: ${safetensorsDtypes.join(', ')}).`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    return fail(`its shape ${JSON.stringify(shape)} is not a list of non-negative integers.`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    return fail(`its data_offsets ${JSON.stringify(offsets)} are not two non-negative integers [begin, end].`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) return fail(`its data_offsets [${begin}, ${end}] end before they begin.`);
  const elements = shape.reduce((product: number, dim: number) => product * dim, 1);
  const byteLength = elements * dtypeByteSize(dtype);
  if (!Number.isSafeInteger(byteLength) || byteLength !== end - begin) {
    return fail(
      `its data_offsets [${begin}, ${end}] span ${end - begin} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${byteLength} bytes.`,
    );
  }
  if (dataStart + end > fileSize) {
    return fail(
      `its data ends at byte ${dataStart + end} of the file, but the file has only ${fileSize} bytes: the file is truncated (or its offsets are wrong).`,
    );
  }
  return { dtype, shape, start: dataStart + begin, byteLength };
}

function checkNoOverlap(tensors: ReadonlyMap<string, TensorEntry>, file: string, dataStart: number): void {
  const spans = [...tensors].filter(([, entry]) => entry.byteLength > 0).sort(([, a], [, b]) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const [previousName, previous] = spans[i - 1]!;
    const [name, entry] = spans[i]!;
    if (entry.start < previous.start + previous.byteLength) {
      throw new WeightFileError({
        file,
        tensor: name,
        reason: `its data [${entry.start - dataStart}, ${entry.start - dataStart + entry.byteLength}] overlaps tensor "${previousName}" [${previous.start - dataStart}, ${previous.start - dataStart + previous.byteLength}].`,
      });
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
