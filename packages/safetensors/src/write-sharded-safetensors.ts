import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeightFileError } from './errors/weight-file-error.js';
import { storedByteLength, type TensorToWrite, writeSafetensors } from './write-safetensors.js';

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
  const { maxShardBytes, metadata = { format: 'pt' } } = options;
  if (!Number.isSafeInteger(maxShardBytes) || maxShardBytes <= 0) {
    throw new WeightFileError({
      file: dir,
      reason: `maxShardBytes must be a positive integer, got ${maxShardBytes}.`,
      hint: 'Pass a shard size in bytes, for example 5_000_000_000 (save_pretrained uses "5GB").',
    });
  }
  const shards = planShards(dir, tensors, maxShardBytes);
  const totalBytes = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
  await mkdir(dir, { recursive: true });

  if (shards.length <= 1) {
    const file = join(dir, singleFileName);
    await writeSafetensors(file, shards[0]?.tensors ?? {}, metadata);
    return { files: [file], indexFile: undefined, totalBytes };
  }

  const count = String(shards.length).padStart(5, '0');
  const weightMap: Record<string, string> = {};
  const files: string[] = [];
  for (const [i, shard] of shards.entries()) {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${count}.safetensors`;
    for (const tensor of Object.keys(shard.tensors)) weightMap[tensor] = name;
    const file = join(dir, name);
    await writeSafetensors(file, shard.tensors, metadata);
    files.push(file);
  }
  const indexFile = join(dir, indexFileName);
  const sortedMap = Object.fromEntries(
    Object.keys(weightMap)
      .sort()
      .map((key) => [key, weightMap[key]]),
  );
  const index = { metadata: { total_size: totalBytes }, weight_map: sortedMap };
  await writeAtomically(indexFile, `${JSON.stringify(index, null, 2)}\n`);
  return { files, indexFile, totalBytes };
}

function planShards(
  dir: string,
  tensors: Readonly<Record<string, TensorToWrite>>,
  maxShardBytes: number,
): { tensors: Record<string, TensorToWrite>; byteLength: number }[] {
  const shards: { tensors: Record<string, TensorToWrite>; byteLength: number }[] = [];
  let current: { tensors: Record<string, TensorToWrite>; byteLength: number } | undefined;
  for (const name of Object.keys(tensors).sort()) {
    const tensor = tensors[name]!;
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
