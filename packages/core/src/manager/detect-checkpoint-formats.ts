import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFormat } from '../contract/plugin-metadata.js';
import { findGgufFile } from './find-gguf-file.js';
import { findRemoteDescriptor } from './find-remote-descriptor.js';

/**
 * The weight formats a checkpoint folder holds, preferred first:
 * `safetensors` when it has `*.safetensors` files, `onnx` when it has
 * `onnx/*.onnx` graphs (a transformers.js / Optimum export), `gguf` for a
 * `.gguf` file or a folder holding one GGUF (see {@link findGgufFile}),
 * `remote` for a remote descriptor (see {@link findRemoteDescriptor}). Empty
 * when it has none of them (a config-only folder) or cannot be read.
 *
 * @param checkpointDir the checkpoint folder (or `.gguf` file)
 */
export async function detectCheckpointFormats(checkpointDir: string): Promise<CheckpointFormat[]> {
  const formats: CheckpointFormat[] = [];
  const list = async (dir: string) => readdir(dir).catch(() => [] as string[]);
  if ((await list(checkpointDir)).some((name) => name.endsWith('.safetensors'))) formats.push('safetensors');
  if ((await list(join(checkpointDir, 'onnx'))).some((name) => name.endsWith('.onnx'))) formats.push('onnx');
  if (formats.length === 0 && (await findGgufFile(checkpointDir).catch(() => undefined))) formats.push('gguf');
  if (formats.length === 0 && (await findRemoteDescriptor(checkpointDir))) formats.push('remote');
  return formats;
}
