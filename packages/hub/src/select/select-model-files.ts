import { DownloadError } from '../errors/download-error.js';
import type { RepoFile } from '../listing/list-repo-files.js';
import { defaultGgufQuant, type GgufVariant, ggufVariants } from './gguf-variants.js';
import { globMatcher } from './glob.js';
import { isOnnxDtype, type OnnxDtype, onnxDtypeSuffixes, onnxDtypes, parseOnnxStem } from './onnx-dtypes.js';

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
  /**
   * For a GGUF repository: which quantization to take (`Q4_K_M`, `Q8_0`, ...;
   * case-insensitive). Default: the only one, else {@link defaultGgufQuant}.
   */
  quant?: string;
  /** Globs of more files to take (see {@link globMatcher}); with no weights found, only these. */
  include?: readonly string[];
  /** Globs of files to leave out, applied last. */
  exclude?: readonly string[];
  /** The shard files named by `model.safetensors.index.json` (its `weight_map` values), once it has been read. */
  indexedShards?: readonly string[];
}

/** What {@link selectModelFiles} picked. */
export interface ModelFileSelection {
  /** `safetensors`, `onnx`, `gguf`, or `custom` when only `include` globs chose the files. */
  format: 'safetensors' | 'onnx' | 'gguf' | 'custom';
  /** The ONNX variant taken, for `onnx`. */
  dtype: OnnxDtype | undefined;
  /** The GGUF quantization taken, for `gguf` (when its file name says it). */
  quant?: string;
  /** The files to download, in listing order. */
  files: RepoFile[];
}

/**
 * Picks the files a model needs from a repository's listing, leaving out what
 * PIO does not read (`*.bin`, `*.pt`, `*.gguf` beside other weights, `*.h5`, `*.msgpack`, other
 * ONNX variants, READMEs and images):
 *
 * - safetensors weights at the root: the {@link modelMetadataFiles} present,
 *   `model.safetensors.index.json` and the shards it names (`indexedShards`;
 *   before it is read, every root `*.safetensors`), or `model.safetensors`.
 * - otherwise ONNX weights under `onnx/` (a transformers.js export): the
 *   metadata files plus ONE dtype variant: `onnx/model{suffix}.onnx` and its
 *   `onnx/model{suffix}.onnx_data*` files.
 * - otherwise GGUF files (a llama.cpp repository): ONE model, a file or a
 *   split set (see {@link ggufVariants}) — the `quant` asked for, the only
 *   one, or {@link defaultGgufQuant}; `include` globs that match `.gguf`
 *   files choose it instead. A GGUF holds its own config and tokenizer, so
 *   no metadata files are taken.
 *
 * @throws DownloadError (`usage`) when the repository has none of these and no `include` glob matches, the dtype is unknown or absent, or several GGUF quantizations are present and none is chosen (the message lists them).
 */
export function selectModelFiles(
  repo: string,
  files: readonly RepoFile[],
  options: SelectOptions = {},
): ModelFileSelection {
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
  let quant: string | undefined;
  const variants = format === 'custom' ? ggufVariants(files) : [];
  if (variants.length > 0) {
    format = 'gguf';
    chosen.clear();
    const includesGguf = (options.include ?? []).some((pattern) =>
      files.some((file) => file.path.toLowerCase().endsWith('.gguf') && globMatcher(pattern)(file.path)),
    );
    if (!includesGguf) {
      const variant = pickGgufVariant(repo, variants, options.quant);
      quant = variant.quant;
      for (const file of variant.files) chosen.add(file.path);
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
      hint: "Loosen --exclude, or check the --include globs against the repository's files.",
    });
  }
  return { format, dtype, ...(quant ? { quant } : {}), files: files.filter((file) => chosen.has(file.path)) };
}

function pickGgufVariant(repo: string, variants: readonly GgufVariant[], wanted: string | undefined): GgufVariant {
  const named = (quant: string) => variants.filter((variant) => variant.quant === quant.toUpperCase());
  const choices = () =>
    variants.map((variant) => `${variant.quant ?? variant.files[0]!.path} (${formatBytes(variant.bytes)})`).join(', ');
  const matches = wanted ? named(wanted) : variants.length === 1 ? variants : named(defaultGgufQuant);
  if (matches.length === 1) return matches[0]!;
  const problem = wanted
    ? matches.length === 0
      ? `${repo} has no ${wanted.toUpperCase()} GGUF`
      : `${repo} has ${matches.length} ${wanted.toUpperCase()} GGUF models`
    : `${repo} has ${variants.length} GGUF models and no single ${defaultGgufQuant} one to take by default`;
  throw new DownloadError({
    reason: 'usage',
    message: `${problem} (it has: ${choices()})`,
    repo,
    hint: "Choose one with --quant Q4_K_M (a quantization listed above) or --include '*Q4_K_M*.gguf'.",
  });
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.max(1, Math.round(bytes / 2 ** 20))} MiB`;
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
