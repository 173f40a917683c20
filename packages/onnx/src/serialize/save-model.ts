import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphError } from '../errors/graph-error.js';
import type { GraphContents, GraphInitializer } from '../graph/graph-core.js';
import { externalTensorProto } from '../tensor/tensor-proto.js';
import { buildModelProto } from './build-model-proto.js';
import { onnx } from './onnx-proto.js';

/** How {@link saveModel} (and `GraphBuilder.save`) lays out the files. */
export interface SaveOptions {
  /** Model file name inside the folder. Default `model.onnx`. */
  modelFile?: string;
  /**
   * Where weights go: `true` puts every initializer of at least
   * `thresholdBytes` in the side file; `false` keeps all inline; `'auto'`
   * (the default) uses the side file only when inline weights would not fit
   * in one protobuf message (2 GiB).
   */
  externalData?: boolean | 'auto';
  /** Side file name, next to the model file. Default `<modelFile>_data`, so `model.onnx_data`. */
  dataFile?: string;
  /** Initializers smaller than this stay inline. Default 1024 bytes. */
  thresholdBytes?: number;
  /**
   * Tensors of at least this many bytes start at an offset that is a multiple
   * of 64 KiB, so onnxruntime can memory-map them (page size 4 KiB on Linux
   * and macOS, allocation granularity 64 KiB on Windows). Default 1 MiB.
   * Smaller tensors are aligned to 64 bytes.
   */
  alignThresholdBytes?: number;
}

/** What {@link saveModel} wrote. */
export interface SavedModel {
  /** Full path of the model file: pass it to `InferenceSession.create(path)`. */
  modelPath: string;
  /** Full path of the side file, or `undefined` when all weights are inline. */
  dataPath: string | undefined;
  /** How many initializers went to the side file. */
  externalTensors: number;
  /** Size of the side file in bytes (0 without one). */
  dataBytes: number;
  /** Size of the model file in bytes. */
  modelBytes: number;
}

const protobufLimitBytes = 2 ** 31 - 1;
// Graph structure, names and small inline tensors must fit next to the weights in one message.
const autoExternalBytes = protobufLimitBytes - 64 * 1024 * 1024;
const largeAlignment = 65536;
const smallAlignment = 64;

/**
 * Writes a (validated) graph to `dir`: the model file, and with external data
 * a side file holding weights at aligned offsets, referenced by ONNX
 * `external_data` entries (`location`, `offset`, `length`) that onnxruntime
 * resolves relative to the model file.
 *
 * @param graph the graph contents
 * @param dir target folder, created when missing
 * @param options file names and when to use external data
 * @throws {GraphError} when weights must stay inline (`externalData: false`) but exceed 2 GiB
 */
export async function saveModel(graph: GraphContents, dir: string, options: SaveOptions = {}): Promise<SavedModel> {
  const modelFile = options.modelFile ?? 'model.onnx';
  const dataFile = options.dataFile ?? `${modelFile}_data`;
  const threshold = options.thresholdBytes ?? 1024;
  const alignThreshold = options.alignThresholdBytes ?? 1024 * 1024;
  const totalBytes = graph.initializers.reduce((sum, init) => sum + init.bytes.byteLength, 0);
  const mode = options.externalData ?? 'auto';
  const useExternal = mode === true || (mode === 'auto' && totalBytes > autoExternalBytes);

  const external = new Map<GraphInitializer, number>();
  let dataBytes = 0;
  if (useExternal) {
    for (const init of graph.initializers) {
      if (init.bytes.byteLength < threshold) continue;
      const alignment = init.bytes.byteLength >= alignThreshold ? largeAlignment : smallAlignment;
      const offset = Math.ceil(dataBytes / alignment) * alignment;
      external.set(init, offset);
      dataBytes = offset + init.bytes.byteLength;
    }
  }
  let inlineBytes = 0;
  for (const init of graph.initializers) if (!external.has(init)) inlineBytes += init.bytes.byteLength;
  if (inlineBytes >= protobufLimitBytes) {
    throw new GraphError({
      graphName: graph.name,
      issues: [{ problem: 'too-large', detail: `inline initializers take ${inlineBytes} bytes; one protobuf message holds under 2 GiB` }],
      hint: "Save with { externalData: true } or { externalData: 'auto' }.",
    });
  }

  await mkdir(dir, { recursive: true });
  const dataPath = external.size > 0 ? join(dir, dataFile) : undefined;
  if (dataPath) await writeDataFile(dataPath, external);

  const model = buildModelProto(graph, (init) => {
    const offset = external.get(init);
    if (offset === undefined) return undefined;
    return externalTensorProto(init.name, init.elemType, init.dims, dataFile, offset, init.bytes.byteLength);
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  const modelPath = join(dir, modelFile);
  await writeFile(modelPath, bytes);
  return { modelPath, dataPath, externalTensors: external.size, dataBytes: dataPath ? dataBytes : 0, modelBytes: bytes.byteLength };
}

async function writeDataFile(path: string, placed: ReadonlyMap<GraphInitializer, number>): Promise<void> {
  const handle = await open(path, 'w');
  try {
    // Positional writes leave the alignment gaps as holes, which read back as zeros.
    for (const [init, offset] of placed) {
      let written = 0;
      while (written < init.bytes.byteLength) {
        const { bytesWritten } = await handle.write(init.bytes, written, init.bytes.byteLength - written, offset + written);
        written += bytesWritten;
      }
    }
  } finally {
    await handle.close();
  }
}
