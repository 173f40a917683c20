/**
 * How close PIO on a quantized GGUF file comes to float32 over the very
 * weights the file holds, against quantizing those weights again at PIO's
 * own int4/int8: the check that quantized blocks (Q4_0, the K-quants with
 * their minimums, Q6_K) go into the graph as stored.
 *
 * For each model and GGUF type: a random test-kit checkpoint (hidden 256,
 * so K-quant rows are whole super-blocks) written as that GGUF and as its
 * dequantized F32 copy; then 1 − cosine and max |Δ| of one prompt's logits
 * against float32 on the copy, for the file at its own precision and for
 * the copy re-quantized at int4 and int8.
 *
 * `pnpm --filter @pio/bench bench:gguf-accuracy` (JSON in `benchmarks/results/gguf-accuracy.json`).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginFactory } from '@pio/core';
import { createLlamaPlugin } from '@pio/model-llama';
import { createQwen3Plugin } from '@pio/model-qwen3';
import {
  type CheckpointShapeName,
  checkpointShapes,
  cosineSimilarity,
  createPackagePlugin,
  type GgufWeightType,
  writeDequantizedGguf,
  writeGgufCheckpoint,
  writeRandomCheckpoint,
} from '@pio/test-kit';

interface Model {
  label: string;
  shape: CheckpointShapeName;
  packageName: string;
  createPlugin: PluginFactory;
}

const models: Model[] = [
  {
    label: 'Llama (GQA 4:2, untied)',
    shape: 'llama-kv2',
    packageName: '@pio/model-llama',
    createPlugin: createLlamaPlugin,
  },
  {
    label: 'Qwen3 (GQA 4:2, tied)',
    shape: 'qwen3-kv2',
    packageName: '@pio/model-qwen3',
    createPlugin: createQwen3Plugin,
  },
];
const types: GgufWeightType[] = ['Q4_0', 'Q4_K', 'Q6_K', 'Q4_K_M'];

function compare(a: Float32Array, b: Float32Array): { oneMinusCosine: number; maxAbsDiff: number } {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return { oneMinusCosine: 1 - cosineSimilarity(a, b), maxAbsDiff: max };
}

const here = dirname(fileURLToPath(import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'pio-gguf-accuracy-'));
const prompt = Array.from({ length: 12 }, (_, i) => 100 + i * 37);
const rows: Record<string, unknown>[] = [];
try {
  for (const model of models) {
    const packageDir = dirname(fileURLToPath(import.meta.resolve(`${model.packageName}/package.json`)));
    const logits = async (path: string, dtype?: 'float32' | 'int4' | 'int8'): Promise<Float32Array> => {
      const plugin = (await createPackagePlugin(packageDir, model.createPlugin)) as unknown as {
        initialize(options: unknown): Promise<void>;
        infer(input: { inputIds: number[] }): Promise<{ logits: Float32Array }>;
        cleanup(): Promise<void>;
      };
      await plugin.initialize({ checkpoint: path, cacheDir: join(root, 'cache'), runtime: dtype ? { dtype } : {} });
      try {
        return (await plugin.infer({ inputIds: prompt })).logits;
      } finally {
        await plugin.cleanup();
      }
    };
    const { description: _description, ...recipe } = checkpointShapes[model.shape];
    const checkpoint = await writeRandomCheckpoint(join(root, model.shape), {
      ...recipe,
      seed: 5,
      config: { ...recipe.config, hidden_size: 256, intermediate_size: 512 },
    });
    for (const type of types) {
      const file = join(root, `${model.shape}-${type}.gguf`);
      const copy = join(root, `${model.shape}-${type}-dequantized.gguf`);
      await writeGgufCheckpoint(checkpoint.dir, file, type);
      await writeDequantizedGguf(file, copy);
      const float = await logits(copy, 'float32');
      const row = {
        model: model.label,
        type,
        file: compare(await logits(file), float),
        requantizedInt4: compare(await logits(copy, 'int4'), float),
        requantizedInt8: compare(await logits(copy, 'int8'), float),
      };
      rows.push(row);
      console.log(
        `${model.label.padEnd(26)} ${type.padEnd(7)} 1 − cos: file ${row.file.oneMinusCosine.toExponential(1)}, ` +
          `re-quantized int4 ${row.requantizedInt4.oneMinusCosine.toExponential(1)}, int8 ${row.requantizedInt8.oneMinusCosine.toExponential(1)}`,
      );
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
const out = join(here, 'results', 'gguf-accuracy.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify({ date: new Date().toISOString(), prompt: prompt.length, rows }, null, 2)}\n`);
console.log(`JSON: ${out}`);
