import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dtype } from '@pio/core';
import { OnnxImportError } from '@pio/onnx';

/** A graph file in a folder's `onnx/`. */
export interface OnnxVariant {
  /** The transformers.js dtype name (`fp32`, `q4`, ...) or, for other files, the file name without `.onnx`. */
  name: string;
  /** The file name in `onnx/`, e.g. `model_q4.onnx`. */
  file: string;
}

/** transformers.js dtype names and their file suffixes (`model<suffix>.onnx`), in the default order of preference. */
export const onnxVariantSuffixes: Readonly<Record<string, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/**
 * The graph variants of an exported folder, in order of preference (fp32
 * first, then fp16, q8, int8, uint8, q4, q4f16, bnb4, then other `*.onnx`
 * files by name).
 *
 * @param checkpoint the folder (with an `onnx/` subfolder)
 */
export async function listOnnxVariants(checkpoint: string): Promise<OnnxVariant[]> {
  let files: string[];
  try {
    files = (await readdir(join(checkpoint, 'onnx'))).filter((name) => name.endsWith('.onnx')).sort();
  } catch {
    return [];
  }
  const known: OnnxVariant[] = [];
  for (const [name, suffix] of Object.entries(onnxVariantSuffixes)) {
    const file = `model${suffix}.onnx`;
    if (files.includes(file)) known.push({ name, file });
  }
  const others = files
    .filter((file) => !known.some((variant) => variant.file === file))
    .map((file) => ({ name: file.slice(0, -'.onnx'.length), file }));
  return [...known, ...others];
}

/**
 * The transformers.js variants that stand for each PIO dtype, preferred first:
 * `runtime: { dtype: 'int4' }` (the CLI's `--dtype`) picks `q4`, else `bnb4`,
 * else `q4f16`.
 */
export const variantsForDtype: Readonly<Record<Dtype, readonly string[]>> = {
  float32: ['fp32'],
  float16: ['fp16', 'q4f16'],
  int8: ['q8', 'int8', 'uint8'],
  int4: ['q4', 'bnb4', 'q4f16'],
};

/**
 * The variant to run: `requested` by dtype name or file name; else, for a
 * `dtype` other than float32, the first variant of {@link variantsForDtype}
 * the folder has; else the first of {@link listOnnxVariants}.
 *
 * @throws OnnxImportError when the folder has no `onnx/*.onnx`, or the requested variant (or dtype) is not there.
 */
export async function resolveOnnxVariant(checkpoint: string, requested?: string, dtype?: Dtype): Promise<OnnxVariant> {
  const variants = await listOnnxVariants(checkpoint);
  if (variants.length === 0) {
    throw new OnnxImportError({
      file: join(checkpoint, 'onnx'),
      reason: 'the folder has no onnx/*.onnx graph',
      hint: 'Point at a transformers.js / Optimum export (config.json, tokenizer.json and onnx/model.onnx); for safetensors checkpoints install the model family plugin (e.g. @pio/model-llama).',
    });
  }
  if (requested === undefined && dtype !== undefined && dtype !== 'float32') {
    const found = variantsForDtype[dtype]
      .map((name) => variants.find((variant) => variant.name === name))
      .find(Boolean);
    if (found) return found;
    throw new OnnxImportError({
      file: join(checkpoint, 'onnx'),
      reason: `dtype ${dtype} asks for one of the variants ${variantsForDtype[dtype].join(', ')}, and the folder has none`,
      hint: `Available: ${variants.map((variant) => `${variant.name} (${variant.file})`).join(', ')}; pick one with runtime { variant } (\`--variant <name>\` on the pio command line).`,
    });
  }
  if (requested === undefined) return variants[0]!;
  const found = variants.find(
    (variant) => variant.name === requested || variant.file === requested || variant.file === `${requested}.onnx`,
  );
  if (found) return found;
  const known = requested in onnxVariantSuffixes;
  throw new OnnxImportError({
    file: join(checkpoint, 'onnx'),
    reason: known
      ? `the variant "${requested}" (onnx/model${onnxVariantSuffixes[requested]}.onnx) is not in the folder`
      : `"${requested}" is not a known variant (${Object.keys(onnxVariantSuffixes).join(', ')}) nor a file in onnx/`,
    hint: `Available: ${variants.map((variant) => `${variant.name} (${variant.file})`).join(', ')}.`,
  });
}
