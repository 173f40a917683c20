import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type Architecture,
  buildHfConfig,
  type CheckpointDtype,
  decoderWeightShapes,
  type HfDecoderConfig,
  randomWeightTensors,
  resolveDecoderShape,
  type TokenizerName,
  tokenizerInfo,
  transformersVersion,
  writeTensors,
} from '@pio/demo';
import { ShardedSafetensorsWriter, type TensorPlan } from '@pio/safetensors';
import { loadTokenizerFiles } from '../tokenizer/load-tokenizer-files.js';
import { trimTokenizer } from './trim-tokenizer.js';

/** What a benchmark checkpoint is made of; the same recipe always gives the same files. */
export interface BenchCheckpointRecipe {
  /** `llama` or `qwen3`. */
  arch: Architecture;
  /**
   * `config.json` fields over the kit's tiny defaults (snake_case). Unlike
   * `writeRandomCheckpoint`, `vocab_size` may be smaller than the tokenizer's:
   * the tokenizer is then trimmed to fit (see {@link trimTokenizer}).
   */
  config: Partial<HfDecoderConfig>;
  /** The kit tokenizer to ship (trimmed when `vocab_size` is smaller). */
  tokenizer: TokenizerName;
  /** Seeds the weights. Default 0. */
  seed?: number;
  /** How weights are stored. Default `bfloat16`, as the real SmolLM2 and Qwen3 checkpoints are. */
  dtype?: CheckpointDtype;
}

/** A benchmark checkpoint on disk. */
export interface BenchCheckpoint {
  /** The checkpoint folder. */
  dir: string;
  /** The recipe it was written from. */
  recipe: BenchCheckpointRecipe;
  /** The complete `config.json`. */
  config: HfDecoderConfig;
  /** How the tokenizer was adapted to `vocab_size`, when it was. */
  tokenizerNote?: string;
  /** Ids `[0, regularTokens)` are ordinary tokens (safe for synthetic prompts). */
  regularTokens: number;
  /** Parameters in the weight file. */
  parameters: number;
  /** Bytes of tensor data in the weight file. */
  fileBytes: number;
  /** True when an earlier call had already written it. */
  fromCache: boolean;
  /** Milliseconds spent writing it (0 from the cache). */
  writeMs: number;
}

/** The file that marks a finished checkpoint; written last. */
const markerFile = 'pio-bench-checkpoint.json';

/**
 * Writes a deterministic random checkpoint for benchmarks into `dir` (one
 * `model.safetensors`, `config.json`, `generation_config.json` and the
 * tokenizer files), or reuses the one already there when it was written from
 * the same recipe. Real model shapes are large (Qwen3-0.6B takes about a
 * minute and 1.2 GB in BF16), so writing once per machine matters.
 *
 * @param dir - The checkpoint folder, for example `os.tmpdir()/pio-bench/smollm2-135m`;
 *   emptied first when it holds another recipe.
 * @param recipe - Architecture, config, tokenizer, seed and storage dtype.
 * @returns The folder and what is in it.
 * @throws ConfigError when the config is invalid.
 * @throws TestKitError when `vocab_size` is too small to trim the tokenizer to.
 * @throws WeightFileError when a file cannot be written.
 */
export async function prepareBenchCheckpoint(dir: string, recipe: BenchCheckpointRecipe): Promise<BenchCheckpoint> {
  const normalized: BenchCheckpointRecipe = { seed: 0, dtype: 'bfloat16', ...recipe };
  const existing = await readMarker(dir);
  if (existing && JSON.stringify(existing.recipe) === JSON.stringify(normalized)) {
    return { ...existing, dir, fromCache: true, writeMs: 0 };
  }
  const started = performance.now();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  const { arch, tokenizer, seed = 0, dtype = 'bfloat16' } = normalized;
  const info = tokenizerInfo[tokenizer];
  const { vocab_size: vocabSize, ...rest } = normalized.config;
  const base = buildHfConfig(arch, tokenizer, dtype, rest);
  const size = vocabSize ?? base.vocab_size;
  const files = await loadTokenizerFiles(tokenizer);
  let tokenizerJson = files.tokenizerJson;
  let tokenizerConfig = files.tokenizerConfig;
  let regularTokens = info.baseVocabSize;
  let tokenizerIds = info.tokenizerVocabSize;
  let moved: ReadonlyMap<number, number> = new Map();
  let tokenizerNote: string | undefined;
  if (size < info.tokenizerVocabSize) {
    const trimmed = trimTokenizer(files, size);
    ({ tokenizerJson, tokenizerConfig, regularTokens, movedIds: moved } = trimmed);
    tokenizerIds = size;
    tokenizerNote =
      `the ${tokenizer} tokenizer (${info.tokenizerVocabSize} ids) trimmed to vocab_size ${size}: ` +
      `its ${regularTokens} lowest ordinary tokens and their merges, special tokens moved to ids ` +
      `${regularTokens}-${size - 1}`;
  }
  const remap = (id: number) => moved.get(id) ?? id;
  const remapIds = (ids: number | number[]) => (Array.isArray(ids) ? ids.map(remap) : remap(ids));

  const config: HfDecoderConfig = { ...base, vocab_size: size };
  if (typeof base.bos_token_id === 'number') config.bos_token_id = remap(base.bos_token_id);
  if (base.eos_token_id !== undefined && base.eos_token_id !== null) config.eos_token_id = remapIds(base.eos_token_id);
  const shape = resolveDecoderShape(arch, config);
  const shapes = decoderWeightShapes(shape);
  const storedDtype = dtype === 'bfloat16' ? 'BF16' : 'F32';
  const plans: Record<string, TensorPlan> = {};
  let parameters = 0;
  for (const [name, dims] of shapes) {
    plans[name] = { dtype: storedDtype, shape: dims };
    parameters += dims.reduce((product, dim) => product * dim, 1);
  }
  // Tensor by tensor (made, written, dropped): the Qwen3-4B shape needs its largest tensor in memory, not 16 GB.
  const writer = await ShardedSafetensorsWriter.create(dir, plans, {
    maxShardBytes: Number.MAX_SAFE_INTEGER,
    metadata: { format: 'pt' },
  });
  await writeTensors(
    writer,
    randomWeightTensors(shape, { seed, dtype, regularTokens, tokenizerVocabSize: tokenizerIds }),
  );
  const written = await writer.finish();
  const generationConfig = {
    _from_model_config: true,
    bos_token_id: remap(info.bosTokenId),
    eos_token_id: remapIds(info.generationEosTokenIds),
    ...(info.padTokenId === undefined ? {} : { pad_token_id: remap(info.padTokenId) }),
    transformers_version: transformersVersion,
  };
  await Promise.all([
    writeJson(join(dir, 'config.json'), config),
    writeJson(join(dir, 'generation_config.json'), generationConfig),
    writeJson(join(dir, 'tokenizer.json'), tokenizerJson),
    writeJson(join(dir, 'tokenizer_config.json'), tokenizerConfig),
  ]);
  const checkpoint: BenchCheckpoint = {
    dir,
    recipe: normalized,
    config,
    ...(tokenizerNote ? { tokenizerNote } : {}),
    regularTokens,
    parameters,
    fileBytes: written.totalBytes,
    fromCache: false,
    writeMs: performance.now() - started,
  };
  await writeJson(join(dir, markerFile), checkpoint);
  return checkpoint;
}

async function readMarker(dir: string): Promise<BenchCheckpoint | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, markerFile), 'utf8')) as BenchCheckpoint;
  } catch {
    return undefined;
  }
}

function writeJson(path: string, value: unknown): Promise<void> {
  return writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
