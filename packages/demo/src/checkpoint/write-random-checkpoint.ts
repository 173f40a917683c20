import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { indexFileName, ShardedSafetensorsWriter, type TensorPlan } from '@pio/safetensors';
import { decoderWeightShapes } from '../config/decoder-weight-shapes.js';
import type { Architecture, HfDecoderConfig } from '../config/hf-decoder-config.js';
import { resolveDecoderShape } from '../config/resolve-decoder-shape.js';
import { RandomCheckpointError } from '../errors/random-checkpoint-error.js';
import { tokenizerDir } from '../tokenizer/tokenizer-dir.js';
import { type TokenizerName, tokenizerInfo } from '../tokenizer/tokenizer-info.js';
import { buildHfConfig, type CheckpointDtype, transformersVersion } from './build-hf-config.js';
import { randomWeightTensors } from './create-random-weights.js';
import { shardLimitForCount } from './shard-limit-for-count.js';
import { writeTensors } from './write-tensors.js';

/** Options of {@link writeRandomCheckpoint}. */
export interface RandomCheckpointOptions {
  /** `llama` (`LlamaForCausalLM`) or `qwen3` (`Qwen3ForCausalLM`). */
  arch: Architecture;
  /** Config fields to change, snake_case as in `config.json`, over tiny defaults (see {@link buildHfConfig}). */
  config?: Partial<HfDecoderConfig>;
  /** Seeds every weight; 0 by default. The same options always give the same files. */
  seed?: number;
  /** `float32` (F32 tensors, the default) or `bfloat16` (BF16 tensors). */
  dtype?: CheckpointDtype;
  /**
   * Split the weights into this many `model-0000i-of-0000n.safetensors` files
   * with a `model.safetensors.index.json`, or into files of at most
   * `maxShardBytes` of tensor data. One `model.safetensors` by default.
   */
  shards?: number | { maxShardBytes: number };
  /** The real tokenizer to ship: `gpt2`, `llama3` or `qwen3`. Default `llama3` for Llama, `qwen3` for Qwen3. */
  tokenizer?: TokenizerName;
  /**
   * Makes greedy decisions clear-cut, for judging quantized engines by their
   * greedy output: every embedding row gets root-mean-square `peaky` (the
   * token's own embedding then outweighs what the layers add), and an untied LM
   * head is built so that each regular token strongly predicts one other
   * regular token (a fixed chain); a tied one predicts the current token again.
   * About 4-8 works; 0 (default) gives plain random weights.
   */
  peaky?: number;
  /** Fields to add to or change in `generation_config.json`. */
  generationConfig?: Record<string, unknown>;
  /**
   * Where the tokenizer's `@lenml/tokenizer-*` package is resolved from (a
   * file URL or path); `@pio/demo` by default, which installs only the GPT-2
   * one. See {@link tokenizerDir}.
   */
  tokenizerFrom?: string | URL;
  /**
   * Return every tensor in `weights` (default true, for reference passes).
   * `false` leaves `weights` empty: each tensor is then made, written and
   * dropped in turn, so a checkpoint of any size needs only its largest
   * tensor in memory (twice that for a peaky untied LM head).
   */
  keepWeights?: boolean;
}

/** What {@link writeRandomCheckpoint} wrote. */
export interface RandomCheckpoint {
  /** The checkpoint folder. */
  dir: string;
  /** `llama` or `qwen3`. */
  arch: Architecture;
  /** The complete `config.json` written. */
  config: HfDecoderConfig;
  /** Every stored tensor by name, exactly as stored (rounded to BF16 for `bfloat16`). `lm_head.weight` is absent when tied. Empty with `keepWeights: false`. */
  weights: Map<string, Float32Array>;
  /** The tokenizer shipped with it. */
  tokenizer: TokenizerName;
  /** The weight files written, in order. */
  weightFiles: string[];
  /** Bytes of tensor data in all weight files. */
  weightBytes: number;
}

const staleWeightFile = /^model(-\d{5}-of-\d{5})?\.safetensors$/;

/**
 * Writes a small random checkpoint in the exact Hugging Face layout:
 * `config.json`, `generation_config.json`, `model.safetensors` (or shards and
 * `model.safetensors.index.json`), and the real `tokenizer.json` and
 * `tokenizer_config.json`. Weight files from an earlier call in the same
 * folder are removed first, so loaders never see a mix.
 *
 * @param dir - The checkpoint folder; created when missing.
 * @param options - Architecture, config, seed, dtype, sharding, tokenizer, peakiness.
 * @returns The folder, the config and the weights as stored, for reference passes.
 * @throws ConfigError when the config is invalid or `vocab_size` is smaller than the tokenizer's.
 * @throws RandomCheckpointError when `shards` or `peaky` is impossible.
 * @throws WeightFileError when a file cannot be written.
 */
export async function writeRandomCheckpoint(dir: string, options: RandomCheckpointOptions): Promise<RandomCheckpoint> {
  const { arch, seed = 0, dtype = 'float32', peaky = 0 } = options;
  const tokenizer = options.tokenizer ?? (arch === 'llama' ? 'llama3' : 'qwen3');
  const info = tokenizerInfo[tokenizer];
  if (info === undefined) {
    throw new RandomCheckpointError({
      where: 'writeRandomCheckpoint.tokenizer',
      message: `there is no tokenizer "${String(tokenizer)}".`,
      hint: 'Use gpt2, llama3 or qwen3.',
    });
  }
  const config = buildHfConfig(arch, tokenizer, dtype, options.config);
  const shape = resolveDecoderShape(arch, config);
  const tensors = randomWeightTensors(shape, {
    seed,
    dtype,
    peaky,
    regularTokens: info.baseVocabSize,
    tokenizerVocabSize: info.tokenizerVocabSize,
  });

  const storedDtype = dtype === 'bfloat16' ? 'BF16' : 'F32';
  const plans: Record<string, TensorPlan> = {};
  const tensorBytes = new Map<string, number>();
  for (const [name, dims] of decoderWeightShapes(shape)) {
    plans[name] = { dtype: storedDtype, shape: dims };
    tensorBytes.set(name, dims.reduce((product, dim) => product * dim, 1) * (storedDtype === 'BF16' ? 2 : 4));
  }
  const maxShardBytes =
    options.shards === undefined
      ? Number.MAX_SAFE_INTEGER
      : typeof options.shards === 'number'
        ? shardLimitForCount(tensorBytes, options.shards)
        : options.shards.maxShardBytes;

  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (staleWeightFile.test(name) || name === indexFileName) await rm(join(dir, name), { force: true });
  }
  // Tensor by tensor: each is made, written to its offset in its shard, and
  // dropped (unless kept).
  const writer = await ShardedSafetensorsWriter.create(dir, plans, { maxShardBytes, metadata: { format: 'pt' } });
  const weights = new Map<string, Float32Array>();
  await writeTensors(writer, tensors, (name, data) => {
    if (options.keepWeights !== false) weights.set(name, data);
  });
  const written = await writer.finish();
  if (typeof options.shards === 'number' && written.files.length !== options.shards) {
    throw new RandomCheckpointError({
      where: 'writeRandomCheckpoint.shards',
      message: `asked for ${options.shards} shards but the writer made ${written.files.length}.`,
      hint: 'The shard planner of @pio/safetensors changed; update shardLimitForCount to match it.',
    });
  }

  const generationConfig = {
    _from_model_config: true,
    bos_token_id: info.bosTokenId,
    eos_token_id: info.generationEosTokenIds,
    ...(info.padTokenId === undefined ? {} : { pad_token_id: info.padTokenId }),
    transformers_version: transformersVersion,
    ...options.generationConfig,
  };
  const source = tokenizerDir(tokenizer, options.tokenizerFrom);
  await Promise.all([
    writeFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`),
    writeFile(join(dir, 'generation_config.json'), `${JSON.stringify(generationConfig, null, 2)}\n`),
    copyFile(join(source, 'tokenizer.json'), join(dir, 'tokenizer.json')),
    copyFile(join(source, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json')),
  ]);
  return {
    dir,
    arch,
    config,
    weights,
    tokenizer,
    weightFiles: written.files,
    weightBytes: written.totalBytes,
  };
}
