import { join } from 'node:path';
import type { DecoderConfig, ProgressCallback } from '@pio/core';
import { BuildCache, checkpointBuildKey } from '../build-cache/build-cache.js';
import { graphBuilderFingerprint } from '../build-cache/code-fingerprint.js';
import { ggufBuildKey } from '../gguf/gguf-build-key.js';
import { buildDecoderGraphs } from './build-decoder-graphs.js';
import type { DecoderModelDefinition } from './decoder-model-definition.js';

/** What {@link ensureDecoderBuild} is given. */
export interface EnsureDecoderBuildArgs<TConfig extends DecoderConfig> {
  /** The model's definition (build version, build options, builders). */
  definition: DecoderModelDefinition<TConfig>;
  /** The model package's folder: its code is part of the build key. */
  packageDir: string;
  /** The plugin's package name: part of the build key, and named in errors. */
  pluginName: string;
  /** The validated config, runtime fields included. */
  config: TConfig;
  /** The checkpoint folder (or GGUF path), absolute. */
  checkpoint: string;
  /** The GGUF file of the checkpoint, when it is one. */
  ggufFile?: string | undefined;
  /** The GGUF's own precision when no dtype was asked for (see `DecoderCheckpoint.ggufOwnDtype`). */
  ggufOwnDtype?: string | undefined;
  /** The cache root; builds go into its `builds` folder (default: the build cache's default). */
  cacheDir?: string | undefined;
  /** Progress of a build, and the cache's notices (as `phase: 'notice'`). */
  onProgress?: ProgressCallback | undefined;
  /** Hash a cached build on a worker thread and answer before that is done ({@link DecoderBuild.hashCheck}). Default false. */
  hashInBackground?: boolean | undefined;
}

/** A finished build, from the cache or just built (see {@link ensureDecoderBuild}). */
export interface DecoderBuild {
  /** The graph files, absolute paths (a `DecoderGraphs` for the runner). */
  graphs: { decode: string; prefill?: string };
  /** Parameters in the weights. */
  parameters: number;
  /** Bytes of weights in the graphs. */
  weightBytes: number;
  /** True when the build was already in the cache. */
  fromCache: boolean;
  /**
   * With `hashInBackground`, on a cached build: why its files are damaged,
   * or `undefined` when they match, once their hashes are checked (see
   * {@link openDecoderBuild}). Never rejects.
   */
  hashCheck?: Promise<string | undefined>;
}

/**
 * Finds the graphs for a checkpoint, config and dtype in the build cache, or
 * builds them (once across processes, see {@link BuildCache}). The key holds
 * the checkpoint's files (the GGUF file's, or config.json and the safetensors
 * headers) and every build option the graphs depend on: the definition's
 * `buildVersion` and `buildOptions`, a fingerprint of the graph builder's
 * code, the dtype, the context length (rotary tables are sized by it), the
 * plugin, and whether GGUF tensors are kept as stored.
 *
 * @throws BuildCacheError when the cache cannot be written.
 * @throws whatever the build throws (see {@link buildDecoderGraphs}).
 */
export async function ensureDecoderBuild<TConfig extends DecoderConfig>(
  args: EnsureDecoderBuildArgs<TConfig>,
): Promise<DecoderBuild> {
  const { definition, config, checkpoint, ggufFile, onProgress } = args;
  // At its own precision a GGUF keeps every tensor as stored, up to 8 bits (a Q4_K_M file's Q6_K ones too).
  const keepStored = ggufFile !== undefined && config.dtype === args.ggufOwnDtype && config.dtype !== 'float32';
  // Everything the graph depends on besides the checkpoint: its rotary tables are sized by maxContextLength.
  const buildOptions = {
    version: definition.buildVersion,
    // The graph builder's own code (model package + @pio/onnx): a code change rebuilds, buildVersion or not.
    code: await graphBuilderFingerprint(args.packageDir),
    dtype: config.dtype,
    maxContextLength: config.maxContextLength,
    plugin: args.pluginName,
    ...definition.buildOptions?.(config),
    ...(keepStored ? { ggufKeepStored: true } : {}),
  };
  const key = ggufFile
    ? await ggufBuildKey(ggufFile, buildOptions)
    : await checkpointBuildKey(checkpoint, buildOptions);
  const cache = new BuildCache(args.cacheDir ? join(args.cacheDir, 'builds') : undefined);
  const { dir, record, fromCache, hashCheck } = await cache.getOrBuild(
    key,
    (outDir) =>
      buildDecoderGraphs({
        definition,
        pluginName: args.pluginName,
        config,
        checkpoint,
        ggufFile,
        keepStored,
        outDir,
        onProgress,
      }),
    {
      // A damaged build being rebuilt, or a wait for another process's build: one line the CLI prints.
      onNotice: (message) => onProgress?.({ phase: 'notice', completed: 1, total: 1, message }),
      hashInBackground: args.hashInBackground === true,
    },
  );
  return {
    graphs: {
      decode: join(dir, record.graphs.decode!),
      ...(record.graphs.prefill ? { prefill: join(dir, record.graphs.prefill) } : {}),
    },
    parameters: Number(record.info.parameters ?? 0),
    weightBytes: Number(record.info.weightBytes ?? 0),
    fromCache,
    ...(hashCheck ? { hashCheck } : {}),
  };
}

/**
 * {@link ensureDecoderBuild}, then `open(build)` (creating the sessions),
 * with a cached build's files hashed on a worker thread meanwhile: session
 * creation blocks this thread (onnxruntime packs the weights), and hashing a
 * 1B int4 build (0.63 GB) took ~0.4 s before it in a fresh process. Nothing
 * opened is returned before the hashes are checked: on a damaged build the
 * opened sessions are closed and the build is made again (with the cache's
 * notice), then opened; an `open` that fails on a damaged build is retried
 * the same way, and one that fails on a sound build throws.
 *
 * @param open loads the build (its result is what the caller keeps)
 * @param close releases what `open` returned
 */
export async function openDecoderBuild<TConfig extends DecoderConfig, TOpened>(
  args: EnsureDecoderBuildArgs<TConfig>,
  open: (build: DecoderBuild) => Promise<TOpened>,
  close: (opened: TOpened) => Promise<void>,
): Promise<{ build: DecoderBuild; opened: TOpened }> {
  const build = await ensureDecoderBuild({ ...args, hashInBackground: true });
  if (!build.hashCheck) return { build, opened: await open(build) };
  let opened: TOpened;
  try {
    opened = await open(build);
  } catch (error) {
    // Damaged weights or graphs may be why onnxruntime failed: only a sound build's error stands.
    if ((await build.hashCheck) === undefined) throw error;
    return reopen();
  }
  if ((await build.hashCheck) === undefined) return { build, opened };
  await close(opened);
  return reopen();

  async function reopen(): Promise<{ build: DecoderBuild; opened: TOpened }> {
    // Hashed on this thread this time: the cache finds the damage, says so, and rebuilds.
    const rebuilt = await ensureDecoderBuild({ ...args, hashInBackground: false });
    return { build: rebuilt, opened: await open(rebuilt) };
  }
}
