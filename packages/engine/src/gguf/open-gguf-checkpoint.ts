import { CheckpointError, PioError } from '@pio/core';
import { type GgmlTypeName, GgufFile, ggufTokenizer, ggufTypeSummary } from '@pio/gguf';
import type { GenerationDefaults } from '../plugin/generation-config.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { ggufHuggingFaceConfig } from './gguf-config.js';

/** What a GGUF file gives the engine before any weight is read. */
export interface GgufCheckpointParts {
  /** A Hugging Face `config.json` synthesized from the metadata (see {@link ggufHuggingFaceConfig}). */
  config: Record<string, unknown>;
  /** The tokenizer rebuilt from `tokenizer.ggml.*` (see `ggufTokenizer` of `@pio/gguf`). */
  tokenizer: TextTokenizer;
  /** Generation defaults: the end-of-sequence id of the metadata. */
  generationDefaults: GenerationDefaults;
  /** The dtype a run takes when none is asked for: the file's own precision (see {@link ggufDefaultDtype}). */
  defaultDtype: 'float32' | 'int8' | 'int4';
}

/** llama.cpp's `general.file_type` (`llama_ftype`) values of float files and of 5- to 8-bit ones. */
const floatFileTypes = new Set([0, 1, 32]);
const eightBitFileTypes = new Set([7, 8, 9, 16, 17, 18]);
/** The highest `llama_ftype` llama.cpp had defined when this was written (TQ2_0). */
const lastKnownFileType = 37;

/**
 * The dtype of a GGUF's own precision, so that `pio run model-Q4_0.gguf`
 * runs 4-bit weights rather than a float32 copy 7× the file. From
 * `general.file_type` when the file has a known one (what `llama-quantize`
 * was asked for: Q4_K_M → `int4` even where its Q6_K output layer holds
 * most bytes of a small model); otherwise from the storage type holding most
 * of the bytes. 4-bit and lower (Q4_*, Q3_K, Q2_K, IQ1–IQ4…) → `int4`, 5- to
 * 8-bit (Q5_*, Q6_K, Q8_*) → `int8`, float → `float32`.
 */
export function ggufDefaultDtype(
  dominant: GgmlTypeName | undefined,
  fileType?: number | undefined,
): 'float32' | 'int8' | 'int4' {
  if (fileType !== undefined && Number.isInteger(fileType) && fileType >= 0 && fileType <= lastKnownFileType) {
    if (floatFileTypes.has(fileType)) return 'float32';
    return eightBitFileTypes.has(fileType) ? 'int8' : 'int4';
  }
  if (dominant === undefined || /^(F32|F16|BF16|F64)$/.test(dominant)) return 'float32';
  if (/^(Q[5-8]|IQ[5-8])/.test(dominant)) return 'int8';
  return 'int4';
}

/**
 * Reads a GGUF file's header (the file, or every shard of a split set) into
 * the config, tokenizer and generation defaults of a checkpoint folder.
 *
 * @throws GgufFileError for a file that is not valid GGUF or lacks a required key.
 * @throws CheckpointError when the file has no tokenizer metadata, or an architecture the engine does not map.
 */
export async function openGgufCheckpoint(path: string): Promise<GgufCheckpointParts> {
  const file = await GgufFile.open(path);
  try {
    if (!file.metadata.has('tokenizer.ggml.model') || !file.metadata.has('tokenizer.ggml.tokens')) {
      throw new CheckpointError({
        file: path,
        reason: 'it has no tokenizer metadata (tokenizer.ggml.model and tokenizer.ggml.tokens)',
        hint: 'PIO builds the tokenizer from the GGUF metadata: use a GGUF converted with its vocabulary (convert_hf_to_gguf.py writes it).',
      });
    }
    const config = ggufHuggingFaceConfig(file);
    let built: ReturnType<typeof ggufTokenizer>;
    try {
      built = ggufTokenizer(file.metadata);
    } catch (cause) {
      if (PioError.isInstance(cause)) throw cause;
      throw new CheckpointError({
        file: path,
        reason: `its tokenizer metadata cannot be used (${(cause as Error).message})`,
        cause,
      });
    }
    const tokenizer = new TextTokenizer(built.tokenizerJson, built.tokenizerConfig);
    const eos = built.special.eos;
    return {
      config,
      tokenizer,
      generationDefaults: { eosTokenIds: eos === undefined ? [] : [eos] },
      defaultDtype: ggufDefaultDtype(
        ggufTypeSummary(file.tensors)[0]?.type,
        file.metadata.findInteger('general.file_type'),
      ),
    };
  } finally {
    await file.close();
  }
}
