import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeRandomCheckpoint } from '@pio/test-kit';

/** A fake commit sha made from a word, so tests can tell revisions apart. */
export const commitOf = (word: string) => word.padEnd(40, '0').replace(/[^0-9a-f]/g, 'a').slice(0, 40);

/** A tiny safetensors checkpoint plus the files a pull must skip. */
export async function writeSafetensorsRepo(dir: string, seed: number, shards?: number): Promise<void> {
  await writeRandomCheckpoint(dir, { arch: 'llama', tokenizer: 'gpt2', seed, ...(shards ? { shards } : {}) });
  await writeFile(join(dir, 'special_tokens_map.json'), '{"bos_token": "<|endoftext|>"}\n');
  await writeFile(join(dir, 'README.md'), '# a test model\n');
  await writeFile(join(dir, 'pytorch_model.bin'), randomBytes(2048));
  await writeFile(join(dir, 'model.gguf'), randomBytes(2048));
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await writeFile(join(dir, 'onnx', 'model.onnx'), randomBytes(2048));
  if (shards) await writeFile(join(dir, 'consolidated.safetensors'), randomBytes(4096));
}

/** A transformers.js-style export: metadata plus onnx/ variants (random bytes; only downloaded, never run). */
export async function writeOnnxRepo(dir: string): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await writeFile(join(dir, 'config.json'), '{"model_type": "llama"}\n');
  await writeFile(join(dir, 'tokenizer.json'), '{}\n');
  await writeFile(join(dir, 'tokenizer_config.json'), '{}\n');
  for (const name of ['model.onnx', 'model_q4.onnx', 'model_fp16.onnx', 'model_fp16.onnx_data']) {
    await writeFile(join(dir, 'onnx', name), randomBytes(3000));
  }
}
