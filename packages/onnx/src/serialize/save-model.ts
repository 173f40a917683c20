import { mkdir, open, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GraphError } from '../errors/graph-error.js';
import type { GraphContents, GraphInitializer } from '../graph/graph-core.js';
import { externalTensorProto } from '../tensor/tensor-proto.js';
import { buildModelProto } from './build-model-proto.js';
import type { ExternalDataWriter } from './external-data-writer.js';
import { onnx } from './onnx-proto.js';
import { planExternalData, protobufLimitBytes } from './plan-external-data.js';

/** How `GraphBuilder.save` lays out the files. */
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
   * Tensors of at least this many bytes start at a multiple of 64 KiB in the
   * side file, so onnxruntime can memory-map them. Default 1 MiB. Smaller
   * ones are aligned to 64 bytes.
   */
  alignThresholdBytes?: number;
  /**
   * Write the side file (default true). `false` writes only the model file,
   * for a second graph over the same weights: the side file must already
   * hold its initializers, written by the save of a graph with the same
   * initializers in the same order (so the same offsets).
   */
  writeData?: boolean;
}

/** What `GraphBuilder.save` wrote. */
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

/**
 * Writes a validated graph to `dir`: the model file and, with external data,
 * a side file holding the weights, referenced by ONNX `external_data` entries
 * (`location`, `offset`, `length`) that onnxruntime resolves relative to the
 * model file.
 *
 * @param graph the graph contents
 * @param dir target folder, created when missing
 * @param options file names and when to use external data
 * @throws {GraphError} when weights must stay inline (`externalData: false`) but reach 2 GiB
 */
export async function saveModel(graph: GraphContents, dir: string, options: SaveOptions = {}): Promise<SavedModel> {
  const modelFile = options.modelFile ?? 'model.onnx';
  const dataFile = options.dataFile ?? `${modelFile}_data`;
  const plan = planExternalData(graph.initializers, {
    externalData: options.externalData ?? 'auto',
    thresholdBytes: options.thresholdBytes ?? 1024,
    alignThresholdBytes: options.alignThresholdBytes ?? 1024 * 1024,
  });
  if (plan.inlineBytes >= protobufLimitBytes) {
    throw new GraphError({
      graphName: graph.name,
      issues: [
        {
          problem: 'too-large',
          detail: `inline initializers take ${plan.inlineBytes} bytes; one protobuf message holds under 2 GiB`,
        },
      ],
      hint: "Save with { externalData: true } or { externalData: 'auto' }.",
    });
  }

  await mkdir(dir, { recursive: true });
  const dataPath = plan.offsets.size > 0 ? join(dir, dataFile) : undefined;
  if (dataPath && options.writeData !== false) await writeDataFile(dataPath, plan.offsets);

  const model = buildModelProto(graph, (init) => {
    const offset = plan.offsets.get(init);
    if (offset === undefined) return undefined;
    return externalTensorProto(init.name, init.elemType, init.dims, dataFile, offset, init.bytes.byteLength);
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  const modelPath = join(dir, modelFile);
  await writeFile(modelPath, bytes);
  return {
    modelPath,
    dataPath,
    externalTensors: plan.offsets.size,
    dataBytes: dataPath ? plan.dataBytes : 0,
    modelBytes: bytes.byteLength,
  };
}

/**
 * Writes the model file of a graph whose weights were streamed to `writer`'s
 * side file as they were added (a `GraphBuilder` created with
 * `externalData`): streamed initializers point at their offsets, small ones
 * go inline. Closes the side file. Same files as {@link saveModel} with
 * `externalData: true` and the same thresholds.
 *
 * @param graph the graph contents
 * @param writer the side file the graph streamed into
 * @param dir target folder: must be the writer's folder
 * @param options `modelFile`; `dataFile`, `thresholdBytes`, `alignThresholdBytes` may be given but must equal the writer's
 * @throws {GraphError} when `dir` or the options contradict the streamed layout, or with `externalData: false`
 */
export async function saveStreamedModel(
  graph: GraphContents,
  writer: ExternalDataWriter,
  dir: string,
  options: SaveOptions = {},
): Promise<SavedModel> {
  const clashes: string[] = [];
  if (resolve(dir) !== writer.dir) clashes.push(`folder ${resolve(dir)} is not the streamed folder ${writer.dir}`);
  if (options.externalData === false) clashes.push('externalData: false asks for inline weights');
  const same = (key: 'dataFile' | 'thresholdBytes' | 'alignThresholdBytes') => {
    const value = options[key];
    if (value !== undefined && value !== writer[key])
      clashes.push(`${key} ${value} is not the streamed ${writer[key]}`);
  };
  same('dataFile');
  same('thresholdBytes');
  same('alignThresholdBytes');
  if (clashes.length > 0) {
    throw new GraphError({
      graphName: graph.name,
      issues: clashes.map((detail) => ({ problem: 'invalid-argument' as const, detail: `save: ${detail}` })),
      hint: 'A graph built with { externalData: { dir, dataFile } } has written its weights already: save it into that dir, with that dataFile or none.',
    });
  }
  writer.close(true);
  let inlineBytes = 0;
  let externalTensors = 0;
  const model = buildModelProto(graph, (init) => {
    if (!init.external) {
      inlineBytes += init.bytes.byteLength;
      return undefined;
    }
    externalTensors += 1;
    const { offset, length } = init.external;
    return externalTensorProto(init.name, init.elemType, init.dims, writer.dataFile, offset, length);
  });
  if (inlineBytes >= protobufLimitBytes) {
    throw new GraphError({
      graphName: graph.name,
      issues: [
        {
          problem: 'too-large',
          detail: `inline initializers take ${inlineBytes} bytes; one protobuf message holds under 2 GiB`,
        },
      ],
      hint: 'Lower externalData.thresholdBytes so that more tensors are streamed to the side file.',
    });
  }
  const bytes = onnx.ModelProto.encode(model).finish();
  const modelPath = join(writer.dir, options.modelFile ?? 'model.onnx');
  await writeFile(modelPath, bytes);
  const dataPath = externalTensors > 0 ? writer.path : undefined;
  return {
    modelPath,
    dataPath,
    externalTensors,
    dataBytes: dataPath ? writer.dataBytes : 0,
    modelBytes: bytes.byteLength,
  };
}

async function writeDataFile(path: string, offsets: ReadonlyMap<GraphInitializer, number>): Promise<void> {
  const handle = await open(path, 'w');
  try {
    // Positional writes leave the alignment gaps as holes, which read back as zeros.
    for (const [init, offset] of offsets) {
      let written = 0;
      while (written < init.bytes.byteLength) {
        const { bytesWritten } = await handle.write(
          init.bytes,
          written,
          init.bytes.byteLength - written,
          offset + written,
        );
        written += bytesWritten;
      }
    }
  } finally {
    await handle.close();
  }
}
