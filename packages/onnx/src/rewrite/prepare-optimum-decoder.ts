import { copyFile, link, mkdir, open, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { onnx as OnnxNamespace } from 'onnx-proto';
import { onnx } from '../serialize/onnx-proto.js';
import { OnnxImportError } from './onnx-import-error.js';
import {
  type OptimumDecoderShape,
  type OptimumRewrite,
  type OptimumRewriteIo,
  type OptimumRewriteOptions,
  rewriteOptimumDecoder,
  toNumber,
} from './rewrite-optimum-decoder.js';

/** What {@link prepareOptimumDecoder} needs. */
export interface PrepareOptimumDecoderOptions {
  /** The exported graph, e.g. `folder/onnx/model_q4.onnx`. Its external data files sit beside it. */
  modelPath: string;
  /** The folder to write the rewritten graph into (a build-cache folder). */
  outDir: string;
  /** Sizes from config.json. */
  shape: OptimumDecoderShape;
  /** The engine's graph I/O names (`decoderIo` of `@pio/engine`). */
  io: OptimumRewriteIo;
  /** Name of the rewritten file in `outDir`. Default `decoder.onnx`. */
  modelFile?: string;
  /** Rewrite choices (see {@link OptimumRewriteOptions}). */
  rewrite?: OptimumRewriteOptions;
}

/** What {@link prepareOptimumDecoder} wrote. */
export interface PreparedOptimumDecoder extends Omit<OptimumRewrite, 'model'> {
  /** The rewritten model's file name, relative to `outDir`. */
  modelFile: string;
  /** External data files in `outDir`, relative to it: the source's (linked or copied), then the one holding its formerly inline weights. */
  dataFiles: string[];
  /** How the external data files got there: hard links, symbolic links or copies. */
  dataLinks: 'hard' | 'symbolic' | 'copy' | 'none';
  /** Elements of the floating-point initializers (the parameters, roughly). */
  parameters: number;
  /** Bytes of all initializers, inline and external. */
  weightBytes: number;
}

const EXTERNAL = 1;
const floatTypes = new Set([1, 10, 16]);

/**
 * Reads an Optimum decoder graph, checks it and its external data files,
 * rewrites it with {@link rewriteOptimumDecoder} and writes it into `outDir`.
 * External data files are hard-linked next to the new file (onnxruntime
 * resolves `location` relative to the model file), falling back to a symbolic
 * link, then to a copy.
 *
 * @throws OnnxImportError when the file is missing, truncated or not ONNX, an external data file is missing
 *   or shorter than the tensors it holds, or the I/O does not match (see {@link rewriteOptimumDecoder}).
 */
export async function prepareOptimumDecoder(options: PrepareOptimumDecoderOptions): Promise<PreparedOptimumDecoder> {
  const modelPath = resolve(options.modelPath);
  const modelFile = options.modelFile ?? 'decoder.onnx';
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch (error) {
    throw new OnnxImportError({
      file: modelPath,
      reason: 'the file cannot be read',
      hint: 'Check the path; a transformers.js folder keeps its graphs in onnx/.',
      cause: error,
    });
  }
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxImportError({
      file: modelPath,
      reason: `it is not a complete ONNX model (${error instanceof Error ? error.message : String(error)}); the file may be truncated`,
      hint: 'Download or export the file again.',
      cause: error,
    });
  }
  const graph = model.graph as OnnxNamespace.GraphProto | null | undefined;
  if (!graph?.node || graph.node.length === 0) {
    throw new OnnxImportError({
      file: modelPath,
      reason: 'it holds no graph nodes; the file may be truncated or not an ONNX model',
      hint: 'Download or export the file again.',
    });
  }

  // External data: every file must exist and hold every tensor it is said to hold.
  const sourceDir = dirname(modelPath);
  const needed = new Map<string, number>();
  let weightBytes = 0;
  let parameters = 0;
  for (const tensor of (graph.initializer ?? []) as OnnxNamespace.TensorProto[]) {
    const elements = (tensor.dims ?? []).reduce((product: number, dim: unknown) => product * toNumber(dim), 1);
    if (floatTypes.has(tensor.dataType ?? 0)) parameters += elements;
    if (tensor.dataLocation === EXTERNAL) {
      const entry = (key: string) => (tensor.externalData ?? []).find((e) => e.key === key)?.value;
      const location = entry('location');
      if (!location) {
        throw new OnnxImportError({
          file: modelPath,
          reason: `initializer "${tensor.name}" is external but names no location`,
        });
      }
      const end = Number(entry('offset') ?? 0) + Number(entry('length') ?? 0);
      needed.set(location, Math.max(needed.get(location) ?? 0, end));
      weightBytes += Number(entry('length') ?? 0);
    } else {
      weightBytes += tensor.rawData?.byteLength ?? 0;
    }
  }
  for (const [location, end] of needed) {
    const file = join(sourceDir, location);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      throw new OnnxImportError({
        file: modelPath,
        reason: `its external data file ${location} is missing (looked for ${file})`,
        hint: `Put ${location} next to ${basename(modelPath)}; transformers.js folders keep it in onnx/.`,
        cause: error,
      });
    }
    if (size < end) {
      throw new OnnxImportError({
        file: modelPath,
        reason: `its external data file ${location} has ${size} bytes, but its tensors reach byte ${end}; the file is truncated`,
        hint: 'Download or export the file again.',
      });
    }
  }

  const { model: rewritten, ...rewrite } = rewriteOptimumDecoder(
    model,
    options.shape,
    options.io,
    modelPath,
    options.rewrite,
  );
  await mkdir(options.outDir, { recursive: true });
  // Inline weights go to a side file written directly: protobufjs copies bytes slowly (3.4 s for 540 MB).
  const ownData = await moveInlineWeights(
    (rewritten.graph?.initializer ?? []) as OnnxNamespace.TensorProto[],
    options.outDir,
    `${modelFile}_data`,
  );
  await writeFile(join(options.outDir, modelFile), onnx.ModelProto.encode(rewritten).finish());
  let dataLinks: PreparedOptimumDecoder['dataLinks'] = 'none';
  for (const location of needed.keys()) {
    const target = join(options.outDir, location);
    await mkdir(dirname(target), { recursive: true });
    dataLinks = await linkOrCopy(join(sourceDir, location), target);
  }
  return {
    ...rewrite,
    modelFile,
    dataFiles: [...needed.keys(), ...(ownData ? [ownData] : [])],
    dataLinks,
    parameters,
    weightBytes,
  };
}

const inlineThresholdBytes = 64 * 1024;

/**
 * Writes every inline initializer of at least 64 KiB into `outDir/dataFile`
 * (64 KiB aligned, so onnxruntime may map them) and turns it into an external
 * tensor. Returns the file name, or undefined when nothing was moved.
 */
async function moveInlineWeights(
  initializers: OnnxNamespace.TensorProto[],
  outDir: string,
  dataFile: string,
): Promise<string | undefined> {
  const moved = initializers.filter(
    (tensor) => tensor.dataLocation !== EXTERNAL && (tensor.rawData?.byteLength ?? 0) >= inlineThresholdBytes,
  );
  if (moved.length === 0) return undefined;
  const handle = await open(join(outDir, dataFile), 'w');
  try {
    let offset = 0;
    for (const tensor of moved) {
      const bytes = tensor.rawData;
      offset = Math.ceil(offset / inlineThresholdBytes) * inlineThresholdBytes;
      for (let written = 0; written < bytes.byteLength; ) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written, offset + written);
        written += bytesWritten;
      }
      tensor.dataLocation = EXTERNAL;
      tensor.externalData = [
        onnx.StringStringEntryProto.create({ key: 'location', value: dataFile }),
        onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
        onnx.StringStringEntryProto.create({ key: 'length', value: String(bytes.byteLength) }),
      ];
      tensor.rawData = new Uint8Array(0);
      offset += bytes.byteLength;
    }
  } finally {
    await handle.close();
  }
  return dataFile;
}

async function linkOrCopy(source: string, target: string): Promise<'hard' | 'symbolic' | 'copy'> {
  try {
    await link(source, target);
    return 'hard';
  } catch {
    // Another file system (EXDEV) or no hard links: a symbolic link, else a copy.
  }
  try {
    await symlink(source, target);
    return 'symbolic';
  } catch {
    await copyFile(source, target);
    return 'copy';
  }
}
