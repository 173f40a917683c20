import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WeightFileError } from './errors/weight-file-error.js';
import { readShardIndex } from './read-shard-index.js';
import { SafetensorsFile } from './safetensors-file.js';
import { isSymbolicLink, weightFileAccessError } from './weight-file-access-error.js';
import { WeightStore } from './weight-store.js';
import { indexFileName, singleFileName } from './write-sharded-safetensors.js';

/**
 * Opens the weights of a Hugging Face checkpoint. `path` may be:
 * - a checkpoint folder, searched as `transformers` does: `model.safetensors`
 *   first, then `model.safetensors.index.json` (or the folder's only
 *   `*.safetensors.index.json`), then every `*.safetensors` file in it,
 *   merged (no tensor may appear twice);
 * - a `.safetensors` file;
 * - a `*.safetensors.index.json` file.
 *
 * Single files are opened at once (their headers hold the tensor names);
 * the shards of an index are only checked to exist, and open on first use.
 *
 * @param path - The checkpoint folder, weight file or index file.
 * @returns A store over the checkpoint's tensors; call {@link WeightStore.close} when done.
 * @throws WeightFileError when `path` does not exist, the folder has no
 *   safetensors weights, a weight file is damaged (see {@link SafetensorsFile.open}),
 *   the index is malformed or names missing shards (see {@link readShardIndex}),
 *   or two index-less files hold the same tensor.
 */
export async function openCheckpointWeights(path: string): Promise<WeightStore> {
  const stats = await stat(path).catch(async (cause: unknown) => {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT' && !(await isSymbolicLink(path))) {
      throw new WeightFileError({
        file: path,
        reason: 'it does not exist.',
        hint: 'Point at a Hugging Face checkpoint folder, a .safetensors file or a model.safetensors.index.json.',
        cause,
      });
    }
    throw await weightFileAccessError(path, cause);
  });
  if (stats.isFile()) {
    return path.endsWith('.index.json') ? openIndexed(path) : openFiles(path, [path]);
  }

  const names = await readdir(path).catch(async (cause: unknown) => {
    throw await weightFileAccessError(path, cause);
  });
  if (names.includes(singleFileName)) return openFiles(path, [join(path, singleFileName)]);
  const indexes = names.filter((name) => name.endsWith('.safetensors.index.json'));
  if (names.includes(indexFileName)) return openIndexed(join(path, indexFileName));
  if (indexes.length === 1) return openIndexed(join(path, indexes[0]!));
  const weightFiles = names.filter((name) => name.endsWith('.safetensors')).sort();
  if (weightFiles.length > 0) {
    return openFiles(
      path,
      weightFiles.map((name) => join(path, name)),
    );
  }
  const legacy = names.find((name) => name.endsWith('.bin') || name.endsWith('.pt') || name.endsWith('.pth'));
  throw new WeightFileError({
    file: path,
    reason: `the folder holds no ${singleFileName}, no ${indexFileName} and no other .safetensors file.`,
    hint: legacy
      ? `It has PyTorch pickle weights (${legacy}), which PIO does not load: convert them with save_pretrained(..., safe_serialization=True).`
      : 'Download the checkpoint again, including its .safetensors weight files.',
  });
}

async function openIndexed(indexFile: string): Promise<WeightStore> {
  const index = await readShardIndex(indexFile);
  const fileBytes = index.shardSizes.reduce((sum, size) => sum + size, 0);
  return new WeightStore({
    source: indexFile,
    tensorFiles: index.weightMap,
    openFiles: [],
    openFile: (shard) => SafetensorsFile.open(shard),
    totalBytes: index.totalSize ?? fileBytes,
    indexFile,
  });
}

async function openFiles(source: string, paths: readonly string[]): Promise<WeightStore> {
  const settled = await Promise.allSettled(paths.map((file) => SafetensorsFile.open(file)));
  const files = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = settled.find((result) => result.status === 'rejected');
  try {
    if (failure) throw failure.reason;
    const tensorFiles = new Map<string, string>();
    let totalBytes = 0;
    for (const file of files) {
      for (const name of file.tensorNames()) {
        const earlier = tensorFiles.get(name);
        if (earlier !== undefined) {
          throw new WeightFileError({
            file: file.path,
            tensor: name,
            reason: `${basename(earlier)} in the same folder holds a tensor of the same name, and no ${indexFileName} says which one to use.`,
            hint: `Remove the stray file from ${dirname(file.path)} (an older or partial export?), or add a ${indexFileName} that maps each tensor to its file.`,
          });
        }
        tensorFiles.set(name, file.path);
        totalBytes += file.info(name).byteLength;
      }
    }
    return new WeightStore({
      source,
      tensorFiles,
      openFiles: files,
      openFile: (file) => SafetensorsFile.open(file),
      totalBytes,
    });
  } catch (error) {
    await Promise.all(files.map((file) => file.close()));
    throw error;
  }
}
