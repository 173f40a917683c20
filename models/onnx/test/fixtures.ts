import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PluginMetadata, readManifest } from '@pio/core';
import { exportTransformersJsFolder } from '@pio/engine';
import { llamaDefinition } from '@pio/model-llama';
import { float32ToFloat16, onnx } from '@pio/onnx';
import { type RandomCheckpoint, type RandomCheckpointOptions, writeRandomCheckpoint } from '@pio/test-kit';

/** This package's folder. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The package's plugin metadata, from its package.json. */
export async function pluginMetadata(): Promise<PluginMetadata> {
  const packageJsonPath = join(packageDir, 'package.json');
  const packageJson = JSON.parse(await readFile(packageJsonPath, 'utf8')) as Record<string, unknown>;
  return readManifest(packageJson, { packageDir, packageJsonPath, fallbackName: String(packageJson.name) }).metadata;
}

/** A random safetensors checkpoint and its transformers.js export (onnx/model.onnx with Optimum I/O). */
export interface ExportedCheckpoint {
  checkpoint: RandomCheckpoint;
  /** The exported folder. */
  dir: string;
}

/** Writes a random Llama checkpoint under `root/<name>` and exports it to `root/<name>-onnx`. */
export async function exportedCheckpoint(
  root: string,
  name: string,
  recipe: Omit<RandomCheckpointOptions, 'arch'>,
  externalData = false,
): Promise<ExportedCheckpoint> {
  const checkpoint = await writeRandomCheckpoint(join(root, name), { arch: 'llama', ...recipe });
  const exported = await exportTransformersJsFolder({
    definition: llamaDefinition,
    checkpoint: checkpoint.dir,
    outDir: join(root, `${name}-onnx`),
    externalData,
  });
  return { checkpoint, dir: exported.dir };
}

/**
 * Writes `onnx/model_fp16.onnx` next to the fp32 `onnx/model.onnx` (inline
 * weights): every float initializer stored as float16 and cast back to float32
 * where it is read, past inputs and present/logits outputs as float16 with
 * casts at the boundary — the shape of a transformers.js fp16 file, computed
 * in fp32 inside (onnxruntime's CPU kernels are fp32).
 */
export async function writeFp16Variant(dir: string): Promise<void> {
  const model = onnx.ModelProto.decode(await readFile(join(dir, 'onnx', 'model.onnx')));
  const graph = model.graph as InstanceType<typeof onnx.GraphProto>;
  const extra: ReturnType<typeof onnx.NodeProto.create>[] = [];
  const renamed = new Map<string, string>();
  for (const tensor of graph.initializer as InstanceType<typeof onnx.TensorProto>[]) {
    if (tensor.dataType !== 1) continue;
    const values =
      tensor.floatData.length > 0
        ? Float32Array.from(tensor.floatData)
        : new Float32Array(
            tensor.rawData.buffer.slice(
              tensor.rawData.byteOffset,
              tensor.rawData.byteOffset + tensor.rawData.byteLength,
            ),
          );
    const half = float32ToFloat16(values);
    const name = tensor.name;
    tensor.name = `${name}_fp16`;
    tensor.dataType = 10;
    tensor.floatData = [];
    tensor.rawData = new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
    extra.push(
      onnx.NodeProto.create({
        name: `${name}_cast`,
        opType: 'Cast',
        input: [tensor.name],
        output: [name],
        attribute: [{ name: 'to', type: 2, i: 1 }],
      }),
    );
    renamed.set(name, tensor.name);
  }
  const boundaryIn: ReturnType<typeof onnx.NodeProto.create>[] = [];
  for (const input of graph.input as InstanceType<typeof onnx.ValueInfoProto>[]) {
    if (!input.name.startsWith('past_key_values.')) continue;
    const inner = `${input.name}_fp32`;
    for (const node of graph.node as InstanceType<typeof onnx.NodeProto>[])
      node.input = node.input.map((n) => (n === input.name ? inner : n));
    boundaryIn.push(
      onnx.NodeProto.create({
        name: `${inner}_cast`,
        opType: 'Cast',
        input: [input.name],
        output: [inner],
        attribute: [{ name: 'to', type: 2, i: 1 }],
      }),
    );
    input.type!.tensorType!.elemType = 10;
  }
  const boundaryOut: ReturnType<typeof onnx.NodeProto.create>[] = [];
  for (const output of graph.output as InstanceType<typeof onnx.ValueInfoProto>[]) {
    const inner = `${output.name}_fp32`;
    for (const node of graph.node as InstanceType<typeof onnx.NodeProto>[]) {
      node.output = node.output.map((n) => (n === output.name ? inner : n));
      node.input = node.input.map((n) => (n === output.name ? inner : n));
    }
    boundaryOut.push(
      onnx.NodeProto.create({
        name: `${inner}_cast`,
        opType: 'Cast',
        input: [inner],
        output: [output.name],
        attribute: [{ name: 'to', type: 2, i: 10 }],
      }),
    );
    output.type!.tensorType!.elemType = 10;
  }
  graph.node = [...extra, ...boundaryIn, ...graph.node, ...boundaryOut];
  graph.valueInfo = [];
  await writeFile(join(dir, 'onnx', 'model_fp16.onnx'), onnx.ModelProto.encode(model).finish());
}

/** The largest absolute difference between two arrays (Infinity when their lengths differ): the test kit's. */
export { maxAbsDiff } from '@pio/test-kit';

/** The index of the largest value of row `row` of `[rows, vocab]` logits. */
export function argmaxRow(logits: Float32Array, row: number, vocab: number): number {
  let best = 0;
  for (let i = 1; i < vocab; i++) if (logits[row * vocab + i]! > logits[row * vocab + best]!) best = i;
  return best;
}
