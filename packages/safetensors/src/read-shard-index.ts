import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { WeightFileError } from './errors/weight-file-error.js';

/** A validated `model.safetensors.index.json`. */
export interface ShardIndex {
  /** The index file. */
  readonly file: string;
  /** Shard path (absolute or relative as the index file's path is) of every tensor, in the index's order. */
  readonly weightMap: ReadonlyMap<string, string>;
  /** Every distinct shard path, in order of first mention. */
  readonly shards: readonly string[];
  /** `metadata.total_size` when the index has it. */
  readonly totalSize: number | undefined;
  /** Sizes of the shard files in bytes, in the order of `shards`. */
  readonly shardSizes: readonly number[];
}

/**
 * Reads and validates a sharded checkpoint's index, and checks that every
 * shard it names exists (without opening them).
 *
 * @param file - The index file, for example `model.safetensors.index.json`.
 * @returns The weight map resolved to shard paths next to the index.
 * @throws WeightFileError when the index is unreadable, not JSON, has no
 *   `weight_map` object of file names, names a shard outside its folder, has a
 *   bad `metadata.total_size`, or names shards that do not exist (all listed).
 */
export async function readShardIndex(file: string): Promise<ShardIndex> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new WeightFileError({ file, reason: `the index cannot be read (${(cause as Error).message}).`, cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new WeightFileError({ file, reason: `the index is not valid JSON (${(cause as Error).message}).`, cause });
  }
  const fail = (reason: string): never => {
    throw new WeightFileError({ file, reason });
  };
  if (!isPlainObject(json)) return fail('the index must hold a JSON object with "metadata" and "weight_map".');
  const { weight_map: rawMap, metadata } = json;
  if (!isPlainObject(rawMap)) return fail('the index has no "weight_map" object mapping tensor names to shard files.');
  const entries = Object.entries(rawMap);
  if (entries.length === 0) return fail('its "weight_map" lists no tensors.');

  let totalSize: number | undefined;
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) return fail('its "metadata" must be an object.');
    const size = metadata.total_size;
    if (size !== undefined) {
      if (!Number.isSafeInteger(size) || (size as number) < 0) {
        return fail(`its "metadata.total_size" is ${JSON.stringify(size)}, not a byte count.`);
      }
      totalSize = size as number;
    }
  }

  const folder = dirname(file);
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  for (const [tensor, shard] of entries) {
    if (typeof shard !== 'string' || shard.length === 0 || isAbsolute(shard) || escapes(folder, shard)) {
      throw new WeightFileError({
        file,
        tensor,
        reason: `its "weight_map" entry is ${JSON.stringify(shard)}, not the name of a shard file next to the index.`,
      });
    }
    const path = join(folder, shard);
    if (!shards.includes(path)) shards.push(path);
    weightMap.set(tensor, path);
  }

  const shardSizes = await Promise.all(shards.map((shard) => sizeOf(shard)));
  const missing = shards.filter((_, i) => shardSizes[i] === undefined);
  if (missing.length > 0) {
    throw new WeightFileError({
      file: missing[0]!,
      reason: `${missing.length === 1 ? 'this shard does' : `${missing.length} shards do`} not exist, but the index ${file} lists ${missing.length === 1 ? 'it' : `them: ${missing.join(', ')}`}.`,
      hint: 'The download is incomplete: download the missing shard files again (or the whole checkpoint).',
    });
  }
  return { file, weightMap, shards, totalSize, shardSizes: shardSizes as number[] };
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats.size : undefined;
  } catch {
    return undefined;
  }
}

function escapes(folder: string, shard: string): boolean {
  const path = relative(folder, join(folder, shard));
  return path === '' || path === '..' || path.startsWith(`..${sep}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
