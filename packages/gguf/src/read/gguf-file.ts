import { type FileHandle, open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GgufFileError } from '../errors/gguf-file-error.js';
import type { GgmlTypeName } from '../format/ggml-type.js';
import { dequantizeGgml } from '../quantize/dequantize-ggml.js';
import { GgufMetadata } from './gguf-metadata.js';
import { type GgufHeader, type GgufTensorInfo, readGgufHeader } from './read-gguf-header.js';

/** One tensor's stored bytes with its layout, as {@link GgufFile.readTensorBytes} returns them. */
export interface GgufRawTensor {
  /** Tensor name. */
  name: string;
  /** Storage type (the bytes are in ggml's block layout of this type). */
  type: GgmlTypeName;
  /** Row-major shape, outermost first: `[rows, columns]` for a matrix, `[out, in]` of a linear layer. */
  shape: number[];
  /** The bytes, exactly as stored. */
  bytes: Uint8Array;
}

const splitName = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

/** The shard paths of a split checkpoint named like one of its shards (`x-00002-of-00003.gguf`), else undefined. */
export function ggufSplitPaths(file: string): string[] | undefined {
  const match = splitName.exec(basename(file));
  if (!match) return undefined;
  const count = Number(match[3]);
  const width = match[3]!.length;
  return Array.from({ length: count }, (_, i) =>
    join(dirname(file), `${match[1]}-${String(i + 1).padStart(width, '0')}-of-${match[3]}.gguf`),
  );
}

/**
 * An open GGUF checkpoint: one file, or every shard of a split one
 * (`model-00001-of-00003.gguf`, ..., with `split.no`/`split.count`/
 * `split.tensors.count`). Metadata and tensor infos are read up front; tensor
 * data only when asked for, one tensor at a time, by positioned reads on the
 * open file handles (never the whole file in memory). {@link GgufFile.close}
 * when done.
 */
export class GgufFile {
  private readonly byName = new Map<string, GgufTensorInfo>();

  private constructor(
    /** The path given to {@link GgufFile.open}. */
    readonly file: string,
    /** Each shard's header (one entry for an unsplit file). */
    readonly headers: readonly GgufHeader[],
    private readonly handles: Map<string, FileHandle>,
    /** The metadata (the first shard's, which holds every key of a split checkpoint). */
    readonly metadata: GgufMetadata,
  ) {
    for (const header of headers) for (const tensor of header.tensors) this.byName.set(tensor.name, tensor);
  }

  /**
   * Opens a GGUF file, or all shards of a split checkpoint when `file` is
   * named like a shard (any shard finds the others).
   *
   * @throws GgufFileError for an unreadable or invalid file, a missing shard, or shards that do not belong together.
   */
  static async open(file: string): Promise<GgufFile> {
    const paths = ggufSplitPaths(file) ?? [file];
    const headers: GgufHeader[] = [];
    for (const path of paths) {
      try {
        headers.push(await readGgufHeader(path));
      } catch (error) {
        if (paths.length > 1 && GgufFileError.isInstance(error) && error.kind === 'io') {
          throw new GgufFileError({
            file: path,
            kind: 'split',
            reason: `shard ${headers.length + 1} of ${paths.length} of ${basename(file)} cannot be opened`,
            hint: 'Download every shard of the split checkpoint into one folder.',
            cause: error,
          });
        }
        throw error;
      }
    }
    const metadata = new GgufMetadata(headers[0]!.metadata, headers[0]!.file);
    checkSplit(file, headers);
    const handles = new Map<string, FileHandle>();
    try {
      for (const header of headers) handles.set(header.file, await open(header.file, 'r'));
    } catch (cause) {
      for (const handle of handles.values()) await handle.close();
      throw new GgufFileError({ file, kind: 'io', reason: `cannot be opened (${(cause as Error).message})`, cause });
    }
    return new GgufFile(file, headers, handles, metadata);
  }

  /** GGUF version of the (first) file. */
  get version(): number {
    return this.headers[0]!.version;
  }

  /** Every tensor, in file order across shards. */
  get tensors(): GgufTensorInfo[] {
    return this.headers.flatMap((header) => header.tensors);
  }

  /** True when a tensor of that name exists. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** One tensor's info. @throws GgufFileError (`missing-tensor`) when absent. */
  tensor(name: string): GgufTensorInfo {
    const info = this.byName.get(name);
    if (!info) {
      throw new GgufFileError({
        file: this.file,
        entry: name,
        kind: 'missing-tensor',
        reason: 'no tensor of that name',
        hint: 'Is the file for this architecture? `pio info` lists its tensors.',
      });
    }
    return info;
  }

  /**
   * One tensor's stored bytes (ggml block layout) with its type and shape,
   * read at its offset: the raw material for mapping quantized blocks onto
   * graph operators without going through float32.
   *
   * @throws GgufFileError when absent or when the file ends early.
   */
  async readTensorBytes(name: string): Promise<GgufRawTensor> {
    const info = this.tensor(name);
    const bytes = await this.readAt(info, name, 0, info.byteLength);
    return { name, type: info.type, shape: [...info.shape], bytes };
  }

  /** One tensor dequantized to float32 (row-major, {@link GgufTensorInfo.shape}). */
  async readTensorFloat32(name: string): Promise<Float32Array> {
    const raw = await this.readTensorBytes(name);
    return dequantizeGgml(raw.type, raw.bytes);
  }

  /**
   * Slice `index` of a tensor's outermost dimension, read alone by one
   * positioned read of its bytes (a `[experts, rows, columns]` stack of
   * llama.cpp's `ffn_*_exps` gives one expert's `[rows, columns]`): the
   * stack is never read whole. Every slice of a tensor whose rows hold
   * whole blocks of its type is whole blocks, so quantized slices map as
   * any tensor does. Allocates the slice's bytes only.
   *
   * @throws GgufFileError (`missing-tensor`) when absent, (`bad-shape`) for a 1-D tensor or an index outside it, or when the file ends early.
   */
  async readTensorSliceBytes(name: string, index: number): Promise<GgufRawTensor> {
    const info = this.tensor(name);
    const [outer, ...inner] = info.shape;
    if (inner.length === 0 || !Number.isInteger(index) || index < 0 || index >= outer!) {
      throw new GgufFileError({
        file: info.file,
        entry: name,
        kind: 'bad-shape',
        reason:
          inner.length === 0
            ? `slice ${index} was asked of a tensor of shape [${info.shape.join(', ')}], which has no inner dimensions`
            : `slice ${index} was asked of a tensor of shape [${info.shape.join(', ')}]: its outermost dimension has ${outer} slices`,
        hint: 'Is the file for this architecture, with the counts its metadata declares? `pio info` lists its tensors.',
      });
    }
    const sliceBytes = info.byteLength / outer!;
    const bytes = await this.readAt(info, name, index * sliceBytes, sliceBytes);
    return { name, type: info.type, shape: inner, bytes };
  }

  /** Slice `index` of a tensor's outermost dimension dequantized to float32 (see {@link GgufFile.readTensorSliceBytes}). */
  async readTensorSliceFloat32(name: string, index: number): Promise<Float32Array> {
    const raw = await this.readTensorSliceBytes(name, index);
    return dequantizeGgml(raw.type, raw.bytes);
  }

  /** `length` bytes of a tensor's data from `start` within it, by positioned reads. */
  private async readAt(info: GgufTensorInfo, name: string, start: number, length: number): Promise<Uint8Array> {
    const bytes = new Uint8Array(length);
    const handle = this.handles.get(info.file)!;
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await handle.read(bytes, done, bytes.length - done, info.offset + start + done);
      if (bytesRead === 0) {
        throw new GgufFileError({
          file: info.file,
          entry: name,
          kind: 'tensor-out-of-bounds',
          reason: `the file ended after ${start + done} of the tensor's ${info.byteLength} bytes (was it truncated after opening?)`,
          hint: 'Download the file again.',
        });
      }
      done += bytesRead;
    }
    return bytes;
  }

  /** Closes every file handle. */
  async close(): Promise<void> {
    for (const handle of this.handles.values()) await handle.close();
    this.handles.clear();
  }
}

function checkSplit(file: string, headers: GgufHeader[]): void {
  const count = headers.length;
  const first = new GgufMetadata(headers[0]!.metadata, headers[0]!.file);
  const declared = first.findInteger('split.count');
  if (count === 1) {
    if (declared !== undefined && declared > 1) {
      throw new GgufFileError({
        file,
        entry: 'split.count',
        kind: 'split',
        reason: `the file is shard ${(first.findInteger('split.no') ?? 0) + 1} of ${declared}, but it is not named like one (name-00001-of-0000N.gguf)`,
        hint: 'Keep the shards’ original names, or merge them with llama.cpp’s gguf-split --merge.',
      });
    }
    return;
  }
  headers.forEach((header, index) => {
    const meta = new GgufMetadata(header.metadata, header.file);
    const no = meta.findInteger('split.no');
    const total = meta.findInteger('split.count');
    if (no !== index || total !== count) {
      throw new GgufFileError({
        file: header.file,
        entry: 'split.no',
        kind: 'split',
        reason: `expected shard ${index} of ${count} (split.no ${index}, split.count ${count}), found split.no ${no}, split.count ${total}`,
        hint: 'The shards come from different checkpoints: download them again from one repository.',
      });
    }
  });
  const expected = first.findInteger('split.tensors.count');
  const found = headers.reduce((sum, header) => sum + header.tensors.length, 0);
  if (expected !== undefined && expected !== found) {
    throw new GgufFileError({
      file,
      entry: 'split.tensors.count',
      kind: 'split',
      reason: `the shards hold ${found} tensors, the first shard says ${expected}`,
      hint: 'A shard is from another checkpoint or damaged: download them again.',
    });
  }
}
