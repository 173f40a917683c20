import { DownloadError } from '../errors/download-error.js';
import type { RepoFile } from '../listing/list-repo-files.js';
import { globMatcher } from './glob.js';
import { isOnnxDtype, type OnnxDtype, onnxDtypes, onnxDtypeSuffixes, parseOnnxStem } from './onnx-dtypes.js';

/** The configuration and tokenizer files a model needs, taken from the repository's root when present. */
export const modelMetadataFiles = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
] as const;

/** The index file of sharded safetensors weights. */
export const safetensorsIndexFile = 'model.safetensors.index.json';

/** Options of {@link selectModelFiles}. */
export interface SelectOptions {
  /** For an ONNX-only repository: which weight variant to take (default `fp32`, else the first one present in {@link onnxDtypes} order). */
  dtype?: OnnxDtype | string;
  /** Globs of more files to take (see {@link globMatcher}); with no weights found, only these. */
  include?: readonly string[];
  /** Globs of files to leave out, applied last. */
  exclude?: readonly string[];
  /** The shard files named by `model.safetensors.index.json` (its `weight_map` values), once it has been read. */
  indexedShards?: readonly string[];
}

/** What {@link selectModelFiles} picked. */
export interface ModelFileSelection {
  /** `safetensors`, `onnx`, or `custom` when only `include` globs chose the files. */
  format: 'safetensors' | 'onnx' | 'custom';
  /** The ONNX variant taken, for `onnx`. */
  dtype: OnnxDtype | undefined;
  /** The files to download, in listing order. */
  files: RepoFile[];
}

/**
 * Picks the files a model needs from a repository's listing, leaving out what
 * PIO does not read (`*.bin`, `*.pt`, `*.gguf`, `*.h5`, `*.msgpack`, other
 * ONNX variants, READMEs and images):
 *
 * - safetensors weights at the root: the {@link modelMetadataFiles} present,
 *   `model.safetensors.index.json` and the shards it names (`indexedShards`;
 *   before it is read, every root `*.safetensors`), or `model.safetensors`.
 * - otherwise ONNX weights under `onnx/` (a transformers.js export): the
 *   metadata files plus ONE dtype variant: `onnx/model{suffix}.onnx` and its
 *   `onnx/model{suffix}.onnx_data*` files.
 *
 * @throws DownloadError (`usage`) when the repository has neither and no `include` glob matches, or the dtype is unknown or absent.
 */
export function selectModelFiles(repo: string, files: readonly RepoFile[], options: SelectOptions = {}): ModelFileSelection {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const chosen = new Set<string>(modelMetadataFiles.filter((name) => byPath.has(name)));
  let format: ModelFileSelection['format'] = 'custom';
  let dtype: OnnxDtype | undefined;

  const rootSafetensors = files.filter((file) => !file.path.includes('/') && file.path.endsWith('.safetensors'));
  if (rootSafetensors.length > 0) {
    format = 'safetensors';
    if (byPath.has(safetensorsIndexFile)) {
      chosen.add(safetensorsIndexFile);
      const shards = options.indexedShards ?? rootSafetensors.map((file) => file.path);
      for (const shard of shards) {
        if (!byPath.has(shard)) {
          throw new DownloadError({
            reason: 'protocol',
            message: `${safetensorsIndexFile} names ${shard}, which the repository does not have`,
            repo,
          });
        }
        chosen.add(shard);
      }
    } else if (byPath.has('model.safetensors')) {
      chosen.add('model.safetensors');
    } else {
      for (const file of rootSafetensors) chosen.add(file.path);
    }
  } else {
    const onnx = selectOnnx(repo, files, options.dtype);
    if (onnx) {
      format = 'onnx';
      dtype = onnx.dtype;
      for (const path of onnx.paths) chosen.add(path);
    }
  }

  if (format === 'custom') {
    chosen.clear();
    if (!options.include?.length) {
      const kinds = [...new Set(files.map((file) => file.path.match(/\.([A-Za-z0-9_]+)$/)?.[1]).filter(Boolean))];
      throw new DownloadError({
        reason: 'usage',
        message: `${repo} has no safetensors weights and no onnx/ export PIO can run (its files: ${kinds.join(', ') || 'none'})`,
        repo,
        hint: 'Pick a repository with *.safetensors (or a transformers.js onnx/ folder), or choose files with --include.',
      });
    }
  }
  for (const pattern of options.include ?? []) {
    const matches = globMatcher(pattern);
    for (const file of files) if (matches(file.path)) chosen.add(file.path);
  }
  for (const pattern of options.exclude ?? []) {
    const matches = globMatcher(pattern);
    for (const path of [...chosen]) if (matches(path)) chosen.delete(path);
  }
  if (chosen.size === 0) {
    throw new DownloadError({
      reason: 'usage',
      message: `Nothing to download from ${repo}: the selection is empty`,
      repo,
      hint: 'Loosen --exclude, or check the --include globs against the repository\'s files.',
    });
  }
  return { format, dtype, files: files.filter((file) => chosen.has(file.path)) };
}

function selectOnnx(
  repo: string,
  files: readonly RepoFile[],
  wanted: string | undefined,
): { dtype: OnnxDtype; paths: string[] } | undefined {
  const models = files
    .filter((file) => /^onnx\/[^/]+\.onnx$/.test(file.path))
    .map((file) => ({ path: file.path, ...parseOnnxStem(file.path.slice('onnx/'.length, -'.onnx'.length)) }));
  if (models.length === 0) return undefined;
  if (wanted !== undefined && !isOnnxDtype(wanted)) {
    throw new DownloadError({
      reason: 'usage',
      message: `Unknown ONNX dtype "${wanted}"`,
      repo,
      hint: `Use one of ${onnxDtypes.join(', ')}.`,
    });
  }
  // A decoder export has one graph, `model`; encoder-decoder exports have several bases and take all of them.
  const bases = models.some((model) => model.base === 'model') ? ['model'] : [...new Set(models.map((m) => m.base))];
  const complete = onnxDtypes.filter((dtype) =>
    bases.every((base) => models.some((model) => model.base === base && model.dtype === dtype)),
  );
  const dtype = wanted ?? complete[0];
  if (dtype === undefined || !complete.includes(dtype)) {
    throw new DownloadError({
      reason: 'usage',
      message: `${repo} has no ${wanted ?? 'complete'} ONNX variant (it has: ${complete.join(', ') || 'none'})`,
      repo,
      hint: `Pass --dtype with one of: ${complete.join(', ') || 'none'}.`,
    });
  }
  const paths: string[] = [];
  for (const base of bases) {
    const model = `onnx/${base}${onnxDtypeSuffixes[dtype]}.onnx`;
    paths.push(model);
    // External data: `model.onnx_data`, `model.onnx_data_1`, ...
    for (const file of files) if (file.path.startsWith(`${model}_data`)) paths.push(file.path);
  }
  return { dtype, paths };
}
