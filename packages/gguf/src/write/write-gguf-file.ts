import { open } from 'node:fs/promises';
import { GgufFileError } from '../errors/gguf-file-error.js';
import { ByteSink } from '../format/byte-sink.js';
import { GgmlType, type GgmlTypeName, ggmlTensorBytes } from '../format/ggml-type.js';
import { type GgufValue, gguf } from '../format/gguf-value-type.js';

/** One tensor to write: its layout up front, its bytes only when its turn comes. */
export interface GgufTensorToWrite {
  /** Tensor name (for example `blk.0.attn_q.weight`). */
  name: string;
  /** Storage type. */
  type: GgmlTypeName;
  /**
   * Row-major shape, outermost first, as in safetensors and PyTorch
   * (`[out, in]` for a linear layer). GGUF stores dimensions innermost
   * first; the writer reverses them.
   */
  shape: readonly number[];
  /** The tensor's bytes in `type`'s layout, produced when the writer reaches it. */
  data: () => Uint8Array | Promise<Uint8Array>;
}

/** What {@link writeGgufFile} writes. */
export interface GgufFileContents {
  /** Metadata key/values in file order (`general.architecture` first, by convention). */
  metadata: Readonly<Record<string, GgufValue>>;
  /** Tensors in file order. */
  tensors: readonly GgufTensorToWrite[];
  /** Alignment of the tensor data (default 32; recorded as `general.alignment` when different). */
  alignment?: number;
  /** GGUF version written in the header: 3 (default) or 2 (same little-endian layout). */
  version?: 2 | 3;
}

/** What a write produced. */
export interface GgufWriteResult {
  /** Bytes in the file. */
  bytes: number;
  /** Offset of the tensor data section. */
  dataOffset: number;
}

const magic = 0x46554747; // "GGUF" read as a little-endian uint32

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/**
 * Writes a GGUF (version 3) file: header, metadata, tensor infos, then each
 * tensor's data at its aligned offset. Tensors are produced and written one at
 * a time, so memory holds one tensor, never the model.
 *
 * @throws GgufFileError when a tensor's bytes do not match its type and shape, or the file cannot be written.
 */
export async function writeGgufFile(path: string, contents: GgufFileContents): Promise<GgufWriteResult> {
  const alignment = contents.alignment ?? 32;
  const metadata: Record<string, GgufValue> = { ...contents.metadata };
  if (alignment !== 32) metadata['general.alignment'] = gguf.uint32(alignment);
  const header = new ByteSink();
  header.uint32(magic);
  header.uint32(contents.version ?? 3);
  header.uint64(contents.tensors.length);
  header.uint64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    header.string(key);
    header.value(value);
  }
  const sizes: number[] = [];
  let offset = 0;
  for (const tensor of contents.tensors) {
    let size: number;
    try {
      size = ggmlTensorBytes(tensor.type, tensor.shape);
    } catch (cause) {
      throw new GgufFileError({
        file: path,
        entry: tensor.name,
        reason: (cause as Error).message,
        kind: 'bad-shape',
        hint: 'Store it as F32 or F16.',
        cause,
      });
    }
    header.string(tensor.name);
    header.uint32(tensor.shape.length);
    for (let d = tensor.shape.length - 1; d >= 0; d--) header.uint64(tensor.shape[d]!);
    header.uint32(GgmlType[tensor.type]);
    header.uint64(offset);
    sizes.push(size);
    offset = alignUp(offset + size, alignment);
  }
  const dataOffset = alignUp(header.length, alignment);
  header.zeros(dataOffset - header.length);

  const handle = await open(path, 'w').catch((cause: unknown) => {
    throw new GgufFileError({
      file: path,
      reason: `cannot be created (${(cause as Error).message})`,
      kind: 'io',
      hint: 'Check the folder exists and is writable.',
      cause,
    });
  });
  try {
    await handle.write(header.result(), 0, header.length, 0);
    let position = dataOffset;
    const padding = new Uint8Array(alignment);
    for (const [index, tensor] of contents.tensors.entries()) {
      const data = await tensor.data();
      if (data.byteLength !== sizes[index]) {
        throw new GgufFileError({
          file: path,
          entry: tensor.name,
          reason: `${tensor.type} [${tensor.shape.join(', ')}] takes ${sizes[index]} bytes, the data has ${data.byteLength}`,
          kind: 'bad-data',
          hint: 'This is a bug in the code producing the tensor.',
        });
      }
      await handle.write(data, 0, data.byteLength, position);
      position += data.byteLength;
      const pad = alignUp(position - dataOffset, alignment) + dataOffset - position;
      if (pad > 0 && index < contents.tensors.length - 1) {
        await handle.write(padding, 0, pad, position);
        position += pad;
      }
    }
    return { bytes: position, dataOffset };
  } finally {
    await handle.close();
  }
}
