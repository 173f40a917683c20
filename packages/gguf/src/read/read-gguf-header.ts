import { open } from 'node:fs/promises';
import { GgufFileError } from '../errors/gguf-file-error.js';
import { type GgmlTypeName, ggmlTensorBytes, ggmlTypeName } from '../format/ggml-type.js';
import {
  type GgufArray,
  type GgufArrayItem,
  type GgufValue,
  GgufValueType,
  type GgufValueTypeId,
} from '../format/gguf-value-type.js';

/** One tensor of a GGUF file, as its header describes it. */
export interface GgufTensorInfo {
  /** Tensor name. */
  name: string;
  /** Storage type. */
  type: GgmlTypeName;
  /** Row-major shape, outermost first (GGUF's dimensions reversed). */
  shape: number[];
  /** Absolute byte offset of the data in its file. */
  offset: number;
  /** Bytes of data. */
  byteLength: number;
  /** The file holding the data (one shard of a split checkpoint). */
  file: string;
}

/** The header of a GGUF file: everything but the tensor data. */
export interface GgufHeader {
  /** The file read. */
  file: string;
  /** GGUF version (2 or 3). */
  version: number;
  /** Metadata in file order. */
  metadata: Map<string, GgufValue>;
  /** Tensor infos in file order. */
  tensors: GgufTensorInfo[];
  /** Alignment of the data section (`general.alignment`, default 32). */
  alignment: number;
  /** Absolute offset of the data section. */
  dataOffset: number;
  /** Size of the file. */
  fileSize: number;
}

class NeedMore extends Error {}

const decoder = new TextDecoder('utf-8', { fatal: false });
const maxDimensions = 8;

class Cursor {
  position = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private take(n: number): number {
    const at = this.position;
    if (at + n > this.bytes.length) throw new NeedMore();
    this.position += n;
    return at;
  }
  uint32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  uint64(): number {
    const value = this.view.getBigUint64(this.take(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new RangeError(`a 64-bit count or size of ${value} is past what a file can hold`);
    return Number(value);
  }
  string(): string {
    const length = this.uint64();
    const at = this.take(length);
    return decoder.decode(this.bytes.subarray(at, at + length));
  }
  scalar(type: number): number | bigint | boolean | string {
    switch (type) {
      case GgufValueType.UINT8:
        return this.view.getUint8(this.take(1));
      case GgufValueType.INT8:
        return this.view.getInt8(this.take(1));
      case GgufValueType.BOOL:
        return this.view.getUint8(this.take(1)) !== 0;
      case GgufValueType.UINT16:
        return this.view.getUint16(this.take(2), true);
      case GgufValueType.INT16:
        return this.view.getInt16(this.take(2), true);
      case GgufValueType.UINT32:
        return this.view.getUint32(this.take(4), true);
      case GgufValueType.INT32:
        return this.view.getInt32(this.take(4), true);
      case GgufValueType.FLOAT32:
        return this.view.getFloat32(this.take(4), true);
      case GgufValueType.UINT64:
        return this.view.getBigUint64(this.take(8), true);
      case GgufValueType.INT64:
        return this.view.getBigInt64(this.take(8), true);
      case GgufValueType.FLOAT64:
        return this.view.getFloat64(this.take(8), true);
      case GgufValueType.STRING:
        return this.string();
      default:
        throw new RangeError(`unknown metadata value type ${type}`);
    }
  }
  /** An array body: item type, count, items; arrays of arrays recursively (at most `depth` deep). */
  array(depth: number): GgufArray {
    if (depth > 16) throw new RangeError('arrays nested more than 16 deep');
    const itemType = this.uint32() as GgufValueTypeId;
    const count = this.uint64();
    // Every item takes at least one byte: a count past the bytes left is a bad or cut file.
    if (count > this.bytes.length - this.position && itemType !== GgufValueType.ARRAY) {
      if (itemType > GgufValueType.FLOAT64) throw new RangeError(`unknown metadata value type ${itemType}`);
      throw new NeedMore();
    }
    const value: GgufArrayItem[] = new Array(count);
    if (itemType === GgufValueType.ARRAY) for (let j = 0; j < count; j++) value[j] = this.array(depth + 1);
    else for (let j = 0; j < count; j++) value[j] = this.scalar(itemType);
    return { type: GgufValueType.ARRAY, itemType, value };
  }
}

/** Parses a header from its first bytes; throws NeedMore when they end too early. */
function parse(file: string, bytes: Uint8Array, fileSize: number): GgufHeader {
  const cursor = new Cursor(bytes);
  const magic = cursor.uint32();
  if (magic !== 0x46554747) {
    throw new GgufFileError({
      file,
      kind: 'not-gguf',
      reason: 'it does not start with the GGUF magic bytes',
      hint: 'Is it a GGUF file? PIO also reads Hugging Face folders (config.json + *.safetensors).',
    });
  }
  const version = cursor.uint32();
  if (version !== 2 && version !== 3) {
    throw new GgufFileError({
      file,
      kind: 'version',
      reason: `GGUF version ${version} is not supported (2 and 3 are)`,
      hint: 'Convert it again with a current llama.cpp (convert_hf_to_gguf.py writes version 3).',
    });
  }
  const tensorCount = cursor.uint64();
  const metadataCount = cursor.uint64();
  const metadata = new Map<string, GgufValue>();
  let key = '';
  try {
    for (let i = 0; i < metadataCount; i++) {
      key = cursor.string();
      const type = cursor.uint32() as GgufValueTypeId;
      if (type === GgufValueType.ARRAY) metadata.set(key, cursor.array(0));
      else metadata.set(key, { type, value: cursor.scalar(type) } as GgufValue);
    }
  } catch (error) {
    if (error instanceof NeedMore) throw error;
    throw new GgufFileError({
      file,
      entry: key,
      kind: 'bad-metadata',
      reason: `its value cannot be decoded (${(error as Error).message})`,
      cause: error,
    });
  }
  const alignmentValue = metadata.get('general.alignment');
  const alignment = alignmentValue && alignmentValue.type !== GgufValueType.ARRAY ? Number(alignmentValue.value) : 32;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new GgufFileError({
      file,
      entry: 'general.alignment',
      kind: 'bad-metadata',
      reason: `${alignment} is not a power of two`,
    });
  }
  const raw: { name: string; type: GgmlTypeName; shape: number[]; relative: number }[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = cursor.string();
    const dims = cursor.uint32();
    if (dims > maxDimensions) {
      throw new GgufFileError({
        file,
        entry: name,
        kind: 'bad-shape',
        reason: `${dims} dimensions (at most 4 in ggml)`,
      });
    }
    const shape: number[] = [];
    for (let d = 0; d < dims; d++) shape.unshift(cursor.uint64());
    const typeId = cursor.uint32();
    const type = ggmlTypeName(typeId);
    if (!type) {
      throw new GgufFileError({
        file,
        entry: name,
        kind: 'unknown-tensor-type',
        reason: `tensor type ${typeId} is not one PIO reads`,
        hint: 'Use a file quantized as F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 or a K-quant (Q2_K–Q6_K), such as Q4_K_M.',
      });
    }
    raw.push({ name, type, shape, relative: cursor.uint64() });
  }
  const dataOffset = Math.ceil(cursor.position / alignment) * alignment;
  const tensors = raw.map(({ name, type, shape, relative }): GgufTensorInfo => {
    let byteLength: number;
    try {
      byteLength = ggmlTensorBytes(type, shape);
    } catch (cause) {
      throw new GgufFileError({ file, entry: name, kind: 'bad-shape', reason: (cause as Error).message, cause });
    }
    if (relative % alignment !== 0) {
      throw new GgufFileError({
        file,
        entry: name,
        kind: 'misaligned',
        reason: `its data offset ${relative} is not a multiple of the alignment ${alignment}`,
        hint: 'The file was written by a broken tool: convert the checkpoint again with llama.cpp.',
      });
    }
    const offset = dataOffset + relative;
    if (offset + byteLength > fileSize) {
      throw new GgufFileError({
        file,
        entry: name,
        kind: 'tensor-out-of-bounds',
        reason: `its data (${byteLength} bytes at ${offset}) runs past the end of the file (${fileSize} bytes): the file is truncated`,
        hint: 'Download the file again (an interrupted download leaves it short).',
      });
    }
    return { name, type, shape, offset, byteLength, file };
  });
  return { file, version, metadata, tensors, alignment, dataOffset, fileSize };
}

/**
 * Reads the header of a GGUF file (versions 2 and 3: metadata of every type,
 * nested arrays included, and tensor infos) without its tensor data: it reads
 * the first megabytes and reads more only while the header goes on.
 *
 * @throws GgufFileError when the file is not GGUF, is truncated, or holds a value or tensor type PIO does not know.
 */
export async function readGgufHeader(file: string): Promise<GgufHeader> {
  const handle = await open(file, 'r').catch((cause: unknown) => {
    throw new GgufFileError({
      file,
      kind: 'io',
      reason: `cannot be opened (${(cause as Error).message})`,
      hint: 'Check the path.',
      cause,
    });
  });
  try {
    const { size } = await handle.stat();
    let length = Math.min(size, 8 << 20);
    for (;;) {
      const bytes = new Uint8Array(length);
      await handle.read(bytes, 0, length, 0);
      try {
        return parse(file, bytes, size);
      } catch (error) {
        if (!(error instanceof NeedMore)) throw error;
        if (length >= size)
          throw new GgufFileError({
            file,
            kind: 'truncated',
            reason: `the header runs past the end of the file (${size} bytes): the file is truncated`,
            hint: 'Download the file again (an interrupted download leaves it short).',
          });
        length = Math.min(size, length * 4);
      }
    }
  } finally {
    await handle.close();
  }
}
