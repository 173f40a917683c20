import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFormat } from '../contract/plugin-metadata.js';

/**
 * The weight formats a checkpoint folder holds, preferred first:
 * `safetensors` when it has `*.safetensors` files, `onnx` when it has
 * `onnx/*.onnx` graphs (a transformers.js / Optimum export). Empty when it has
 * neither (a config-only folder) or cannot be read.
 *
 * @param checkpointDir the checkpoint folder
 */
export async function detectCheckpointFormats(checkpointDir: string): Promise<CheckpointFormat[]> {
  const formats: CheckpointFormat[] = [];
  const list = async (dir: string) => readdir(dir).catch(() => [] as string[]);
  if ((await list(checkpointDir)).some((name) => name.endsWith('.safetensors'))) formats.push('safetensors');
  if ((await list(join(checkpointDir, 'onnx'))).some((name) => name.endsWith('.onnx'))) formats.push('onnx');
  return formats;
}
