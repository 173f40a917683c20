import { access, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  CheckpointError,
  ConfigError,
  type DecoderConfig,
  type ProgressCallback,
  readCheckpointConfig,
} from '@pio/core';
import { openCheckpointWeights } from '@pio/safetensors';
import type { BuiltGraphs, DecoderModelDefinition } from '../plugin/decoder-model-definition.js';
import { ExportError } from './export-error.js';

/** What {@link exportTransformersJsFolder} needs. */
export interface TransformersJsExportOptions<TConfig extends DecoderConfig> {
  /** The model's definition (config class and graph builder), e.g. `llamaDefinition`. */
  definition: DecoderModelDefinition<TConfig>;
  /** The Hugging Face checkpoint folder: config.json, safetensors weights, tokenizer.json, tokenizer_config.json. */
  checkpoint: string;
  /** The folder to write; created when missing. Its parent is what transformers.js's `env.localModelPath` points at. */
  outDir: string;
  /**
   * Weights in `onnx/model.onnx_data` (`true`), inline in `onnx/model.onnx`
   * (`false`), or in the side file only when they pass 2 GiB (`'auto'`, the default).
   */
  externalData?: boolean | 'auto';
  /** Progress of the graph build. */
  onProgress?: ProgressCallback;
}

/** What {@link exportTransformersJsFolder} wrote. */
export interface TransformersJsExport {
  /** The folder, absolute. */
  dir: string;
  /** Every file written, relative to `dir`, e.g. `onnx/model.onnx`. */
  files: string[];
  /** Whether the weights are in `onnx/model.onnx_data` (and config.json says so). */
  externalData: boolean;
  /** Parameters in the graph. */
  parameters: number;
}

const modelFile = 'model.onnx';
const dataFile = `${modelFile}_data`;
const requiredTokenizerFiles = ['tokenizer.json', 'tokenizer_config.json'];
// Copied when the checkpoint has them: transformers.js reads the chat template from either.
const optionalFiles = ['special_tokens_map.json', 'chat_template.jinja', 'chat_template.json'];

/**
 * Exports a checkpoint as a folder `@huggingface/transformers` (4.x) loads
 * offline with `AutoModelForCausalLM` / `AutoTokenizer` or
 * `pipeline('text-generation')`:
 *
 * - `onnx/model.onnx`: the fp32 graph the model's definition builds with
 *   `ioStyle: 'optimum'` (Optimum's I/O names and shapes), its weights inline
 *   or in `onnx/model.onnx_data`;
 * - `config.json`: the checkpoint's, plus `transformers.js_config` with
 *   `dtype: 'fp32'` (so the fp32 file is loaded whatever the device default)
 *   and, with a side file, `use_external_data_format: true` (transformers.js
 *   only loads `<model>.onnx_data` when told; in Node it then checks the file
 *   exists and lets onnxruntime read it next to the model);
 * - `generation_config.json` (the checkpoint's, or one with its special ids),
 *   `tokenizer.json`, `tokenizer_config.json`, and `special_tokens_map.json`
 *   and chat template files when present.
 *
 * The graph is built from the checkpoint's own config.json with rotary
 * tables for all `max_position_embeddings` positions. Files of an earlier
 * export in `outDir` are replaced; a stale `model.onnx_data` is removed.
 *
 * @throws CheckpointError when config.json or a tokenizer file is missing or unreadable.
 * @throws ConfigError when the config is invalid or the definition does not support it.
 * @throws ExportError when the definition's builder did not write `model.onnx` as the Optimum graph.
 */
export async function exportTransformersJsFolder<TConfig extends DecoderConfig>(
  options: TransformersJsExportOptions<TConfig>,
): Promise<TransformersJsExport> {
  const { definition } = options;
  const checkpoint = resolve(options.checkpoint);
  const dir = resolve(options.outDir);
  const configJson = await readCheckpointConfig(checkpoint);
  const configSource = join(checkpoint, 'config.json');
  // transformers.js may run every position the model declares: not the runtime's default context cap.
  const declared = configJson.max_position_embeddings;
  const allPositions = Number.isSafeInteger(declared) ? { maxContextLength: declared as number } : {};
  const config = definition.configClass.fromHuggingFace(
    configJson,
    { dtype: 'float32', ...allPositions },
    configSource,
  );
  const support = definition.supportsConfig?.(config) ?? { supported: true };
  if (!support.supported) {
    throw new ConfigError({
      configName: definition.configClass.name,
      issues: [{ field: 'architectures', value: config.architectures, rule: support.reason }],
      source: configSource,
    });
  }
  for (const name of requiredTokenizerFiles) {
    if (!(await exists(join(checkpoint, name)))) {
      throw new CheckpointError({
        file: join(checkpoint, name),
        reason: 'the file does not exist, and transformers.js needs it to tokenize',
        hint: 'Copy the tokenizer files of the original model into the checkpoint folder.',
      });
    }
  }

  const { buildGraphs } = definition;
  if (!buildGraphs) {
    throw new ExportError({
      outDir: dir,
      reason: 'the model definition has no buildGraphs (its checkpoints are ONNX folders already)',
      hint: 'Copy the ONNX folder itself; transformers.js loads it as it is.',
    });
  }
  const onnxDir = join(dir, 'onnx');
  await mkdir(onnxDir, { recursive: true });
  await rm(join(onnxDir, dataFile), { force: true });
  const weights = await openCheckpointWeights(checkpoint);
  let built: BuiltGraphs;
  try {
    built = await buildGraphs({
      config,
      weights,
      outDir: onnxDir,
      ioStyle: 'optimum',
      ...(options.externalData !== undefined ? { externalData: options.externalData } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } finally {
    await weights.close();
  }
  if (built.graphs.decode !== modelFile || built.graphs.prefill !== undefined) {
    throw new ExportError({
      outDir: dir,
      reason: `the model's buildGraphs wrote [${Object.values(built.graphs).join(', ')}] for ioStyle 'optimum', but transformers.js loads one graph, onnx/${modelFile}`,
      hint: 'In buildGraphs, save with graph.save(outDir, graphSaveOptions(args)) and return { graphs: { decode: "model.onnx" } } for ioStyle "optimum".',
    });
  }
  const externalData = await exists(join(onnxDir, dataFile));

  const transformersJsConfig = { dtype: 'fp32', ...(externalData ? { use_external_data_format: true } : {}) };
  const files = [`onnx/${modelFile}`, ...(externalData ? [`onnx/${dataFile}`] : [])];
  await writeJson(join(dir, 'config.json'), { ...configJson, 'transformers.js_config': transformersJsConfig });
  files.push('config.json');

  const generationConfig = join(checkpoint, 'generation_config.json');
  if (await exists(generationConfig)) await copyFile(generationConfig, join(dir, 'generation_config.json'));
  else {
    const special = ['bos_token_id', 'eos_token_id', 'pad_token_id'].filter((key) => configJson[key] != null);
    await writeJson(
      join(dir, 'generation_config.json'),
      Object.fromEntries(special.map((key) => [key, configJson[key]])),
    );
  }
  files.push('generation_config.json');

  for (const name of [...requiredTokenizerFiles, ...optionalFiles]) {
    const source = join(checkpoint, name);
    if (!requiredTokenizerFiles.includes(name) && !(await exists(source))) continue;
    await copyFile(source, join(dir, name));
    files.push(name);
  }
  return { dir, files, externalData, parameters: built.parameters };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
