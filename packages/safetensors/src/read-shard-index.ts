import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { WeightFileError } from './errors/weight-file-error.js';
import { isSymbolicLink, notAFileError, weightFileAccessError } from './weight-file-access-error.js';

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
 *   bad `metadata.total_size`, or names shards that do not exist (all listed),
 *   or a shard that is a dangling or looping symbolic link, unreadable, or a folder.
 */
export async function readShardIndex(file: string): Promise<ShardIndex> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw await weightFileAccessError(file, cause);
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

  const found = await Promise.all(shards.map((shard) => sizeOf(shard)));
  // A shard that is there but unusable (a looping or dangling link, unreadable, a folder) gets its own message.
  const broken = found.findIndex((result) => typeof result !== 'number' && result.code !== 'missing');
  if (broken >= 0) throw await shardError(shards[broken]!, found[broken] as ShardProblem, file);
  const missing = shards.filter((_, i) => typeof found[i] !== 'number');
  if (missing.length > 0) {
    throw new WeightFileError({
      file: missing[0]!,
      reason: `${missing.length === 1 ? 'this shard does' : `${missing.length} shards do`} not exist, but the index ${file} lists ${missing.length === 1 ? 'it' : `them: ${missing.join(', ')}`}.`,
      hint: 'The download is incomplete: download the missing shard files again (or the whole checkpoint).',
    });
  }
  return { file, weightMap, shards, totalSize, shardSizes: found as number[] };
}

/** Why a shard has no size: missing (no such path), not a regular file, or the error stat gave. */
type ShardProblem = { code: 'missing' } | { code: 'not-a-file'; kind: string } | { code: 'error'; cause: unknown };

async function sizeOf(path: string): Promise<number | ShardProblem> {
  try {
    const stats = await stat(path);
    if (stats.isFile()) return stats.size;
    return { code: 'not-a-file', kind: stats.isDirectory() ? 'a folder' : 'a special file' };
  } catch (cause) {
    // A dangling link is ENOENT too, but "missing" would hide the link: let the access error say where it points.
    const plainMissing = (cause as NodeJS.ErrnoException).code === 'ENOENT' && !(await isSymbolicLink(path));
    return plainMissing ? { code: 'missing' } : { code: 'error', cause };
  }
}

async function shardError(shard: string, problem: ShardProblem, indexFile: string): Promise<WeightFileError> {
  const context = `(the index ${indexFile} lists it as a shard)`;
  return problem.code === 'not-a-file'
    ? notAFileError(shard, problem.kind, undefined, context)
    : weightFileAccessError(shard, problem.code === 'error' ? problem.cause : undefined, context);
}

function escapes(folder: string, shard: string): boolean {
  const path = relative(folder, join(folder, shard));
  return path === '' || path === '..' || path.startsWith(`..${sep}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
