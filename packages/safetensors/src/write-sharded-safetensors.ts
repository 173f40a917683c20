import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeightFileError } from './errors/weight-file-error.js';
import {
  checkTensorPlan,
  SafetensorsWriter,
  storedByteLength,
  type TensorPlan,
  type TensorToWrite,
} from './write-safetensors.js';

/** Options of {@link writeShardedSafetensors}. */
export interface ShardedWriteOptions {
  /**
   * Largest shard in bytes of tensor data (`max_shard_size` of
   * `save_pretrained`). A tensor larger than this gets a shard of its own.
   */
  maxShardBytes: number;
  /** Each shard's `__metadata__`; `{ format: 'pt' }` (what `save_pretrained` writes) when omitted. */
  metadata?: Readonly<Record<string, string>>;
}

/** What {@link writeShardedSafetensors} wrote. */
export interface ShardedWriteResult {
  /** The weight files written, in order: `model.safetensors`, or `model-00001-of-0000n.safetensors`, .... */
  files: string[];
  /** The index file, or `undefined` when everything fit in one `model.safetensors`. */
  indexFile: string | undefined;
  /** Bytes of tensor data in all (the index's `metadata.total_size`). */
  totalBytes: number;
}

/** Name of the index file of a sharded checkpoint. */
export const indexFileName = 'model.safetensors.index.json';

/** Name of the weight file of an unsharded checkpoint. */
export const singleFileName = 'model.safetensors';

/**
 * Writes tensors into a checkpoint folder as `save_pretrained` does: in name
 * order, a new shard starts when the next tensor would push the current one
 * past `maxShardBytes` (a tensor larger than that gets a shard of its own);
 * shards are named `model-00001-of-00003.safetensors` and listed in
 * `model.safetensors.index.json` (`metadata.total_size` and a sorted
 * `weight_map`, 2-space indented). When everything fits in one shard it
 * writes a single `model.safetensors` and no index, as `save_pretrained` does.
 * Stale files from an earlier write in `dir` are left alone.
 *
 * @param dir - The checkpoint folder; created when missing.
 * @param tensors - The tensors by name.
 * @param options - The shard size limit and the shards' metadata.
 * @returns The files written and the total size of tensor data.
 * @throws WeightFileError when `maxShardBytes` is not a positive integer, a
 *   tensor is invalid (see {@link writeSafetensors}) or a file cannot be written.
 * @throws UnsupportedDtypeError when a dtype is not F32, F16 or BF16.
 */
export async function writeShardedSafetensors(
  dir: string,
  tensors: Readonly<Record<string, TensorToWrite>>,
  options: ShardedWriteOptions,
): Promise<ShardedWriteResult> {
  const writer = await ShardedSafetensorsWriter.create(dir, tensors, options);
  try {
    for (const name of Object.keys(tensors).sort()) await writer.write(name, tensors[name]!.data);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.finish();
}

/**
 * A checkpoint folder written tensor by tensor, in any order, with the same
 * files {@link writeShardedSafetensors} writes for the same tensors: shards
 * are planned from dtypes and shapes alone, every shard is created (under a
 * temporary name) at once, each tensor's data goes to its offset in its shard
 * when written, and {@link ShardedSafetensorsWriter.finish} renames the
 * shards into place and writes the index last. Only the tensor being written
 * needs to be in memory.
 *
 * @example
 * ```ts
 * const writer = await ShardedSafetensorsWriter.create(dir, plans, { maxShardBytes: 5e9 });
 * for (const [name, data] of generateTensors()) await writer.write(name, data);
 * const { files, indexFile } = await writer.finish();
 * ```
 */
export class ShardedSafetensorsWriter {
  /** The weight files being written, in order (their final names). */
  readonly files: readonly string[];
  /** The index file, or `undefined` for a single `model.safetensors`. */
  readonly indexFile: string | undefined;
  /** Bytes of tensor data in all shards. */
  readonly totalBytes: number;

  readonly #shards: readonly SafetensorsWriter[];
  readonly #shardOf: ReadonlyMap<string, SafetensorsWriter>;
  readonly #weightMap: Readonly<Record<string, string>>;

  private constructor(
    shards: SafetensorsWriter[],
    shardOf: Map<string, SafetensorsWriter>,
    weightMap: Record<string, string>,
    indexFile: string | undefined,
    totalBytes: number,
  ) {
    this.#shards = shards;
    this.#shardOf = shardOf;
    this.#weightMap = weightMap;
    this.files = shards.map((shard) => shard.path);
    this.indexFile = indexFile;
    this.totalBytes = totalBytes;
  }

  /**
   * Plans the shards and creates their (temporary) files with their headers.
   *
   * @param dir - The checkpoint folder; created when missing.
   * @param tensors - Every tensor's dtype and shape, by name.
   * @param options - The shard size limit and the shards' metadata.
   * @throws WeightFileError when `maxShardBytes` is not a positive integer, a tensor plan is invalid or a file cannot be created.
   * @throws UnsupportedDtypeError when a dtype is not F32, F16 or BF16.
   */
  static async create(
    dir: string,
    tensors: Readonly<Record<string, TensorPlan>>,
    options: ShardedWriteOptions,
  ): Promise<ShardedSafetensorsWriter> {
    const { maxShardBytes, metadata = { format: 'pt' } } = options;
    if (!Number.isSafeInteger(maxShardBytes) || maxShardBytes <= 0) {
      throw new WeightFileError({
        file: dir,
        reason: `maxShardBytes must be a positive integer, got ${maxShardBytes}.`,
        hint: 'Pass a shard size in bytes, for example 5_000_000_000 (save_pretrained uses "5GB").',
      });
    }
    const plans = planShards(dir, tensors, maxShardBytes);
    const totalBytes = plans.reduce((sum, shard) => sum + shard.byteLength, 0);
    await mkdir(dir, { recursive: true });
    const single = plans.length <= 1;
    const count = String(plans.length).padStart(5, '0');
    const names = single
      ? [singleFileName]
      : plans.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${count}.safetensors`);
    const shards: SafetensorsWriter[] = [];
    const shardOf = new Map<string, SafetensorsWriter>();
    const weightMap: Record<string, string> = {};
    try {
      for (const [i, name] of names.entries()) {
        const shardTensors = plans[i]?.tensors ?? {};
        const shard = await SafetensorsWriter.create(join(dir, name), shardTensors, metadata);
        shards.push(shard);
        for (const tensor of Object.keys(shardTensors)) {
          shardOf.set(tensor, shard);
          weightMap[tensor] = name;
        }
      }
    } catch (error) {
      await Promise.all(shards.map((shard) => shard.abort()));
      throw error;
    }
    return new ShardedSafetensorsWriter(
      shards,
      shardOf,
      weightMap,
      single ? undefined : join(dir, indexFileName),
      totalBytes,
    );
  }

  /**
   * Writes one tensor's data into its shard. Any order, each tensor once, one at a time.
   *
   * @param name - A tensor of the plan.
   * @param data - One float32 value per element; not kept after the call.
   * @throws WeightFileError when the name is not planned or already written, the data does not fit, or the write fails.
   */
  async write(name: string, data: Float32Array): Promise<void> {
    const shard = this.#shardOf.get(name);
    if (shard === undefined) {
      throw new WeightFileError({
        file: this.indexFile ?? this.files[0]!,
        tensor: name,
        reason: 'it is not one of the tensors the checkpoint was planned with.',
        hint: 'Plan every tensor in ShardedSafetensorsWriter.create.',
      });
    }
    await shard.write(name, data);
  }

  /**
   * Renames every shard into place, then writes the index (last, so a folder
   * with an index is complete).
   *
   * @returns The files written and the total size of tensor data.
   * @throws WeightFileError when a tensor was never written or a file cannot be finished.
   */
  async finish(): Promise<ShardedWriteResult> {
    const unwritten = this.#shards.flatMap((shard) => shard.pendingTensors);
    if (unwritten.length > 0) {
      await this.abort();
      throw new WeightFileError({
        file: this.indexFile ?? this.files[0]!,
        reason: `${unwritten.length} planned tensor(s) were never written: ${unwritten.slice(0, 5).join(', ')}${unwritten.length > 5 ? ', ...' : ''}.`,
        hint: 'Write every tensor of the plan before finish().',
      });
    }
    for (const shard of this.#shards) await shard.finish();
    if (this.indexFile !== undefined) {
      const sortedMap = Object.fromEntries(
        Object.keys(this.#weightMap)
          .sort()
          .map((key) => [key, this.#weightMap[key]]),
      );
      const index = { metadata: { total_size: this.totalBytes }, weight_map: sortedMap };
      await writeAtomically(this.indexFile, `${JSON.stringify(index, null, 2)}\n`);
    }
    return { files: [...this.files], indexFile: this.indexFile, totalBytes: this.totalBytes };
  }

  /** Removes every shard's temporary file (finished shards stay). Safe to call more than once. */
  async abort(): Promise<void> {
    await Promise.all(this.#shards.map((shard) => shard.abort()));
  }
}

function planShards(
  dir: string,
  tensors: Readonly<Record<string, TensorPlan>>,
  maxShardBytes: number,
): { tensors: Record<string, TensorPlan>; byteLength: number }[] {
  const shards: { tensors: Record<string, TensorPlan>; byteLength: number }[] = [];
  let current: { tensors: Record<string, TensorPlan>; byteLength: number } | undefined;
  for (const name of Object.keys(tensors).sort()) {
    const tensor = { dtype: tensors[name]!.dtype, shape: tensors[name]!.shape };
    checkTensorPlan(join(dir, indexFileName), name, tensor);
    const byteLength = storedByteLength(tensor, join(dir, indexFileName), name);
    if (byteLength > maxShardBytes) {
      // Closing the current shard too keeps every shard a contiguous run of names.
      shards.push({ tensors: { [name]: tensor }, byteLength });
      current = undefined;
      continue;
    }
    if (current === undefined || current.byteLength + byteLength > maxShardBytes) {
      current = { tensors: {}, byteLength: 0 };
      shards.push(current);
    }
    current.tensors[name] = tensor;
    current.byteLength += byteLength;
  }
  return shards;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.partial-${process.pid}-${Date.now()}`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (cause) {
    await rm(temporary, { force: true });
    throw new WeightFileError({
      file,
      reason: `writing it failed (${(cause as Error).message}).`,
      hint: 'Check free disk space and permissions, then write it again.',
      cause,
    });
  }
}
