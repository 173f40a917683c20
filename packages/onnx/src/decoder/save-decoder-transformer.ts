import { basename } from 'node:path';
import type { SavedModel, SaveOptions } from '../serialize/save-model.js';
import type { DecoderTransformerOptions } from './decoder-options.js';
import { buildDecoderTransformer, type DecoderTransformer } from './decoder-transformer.js';
import type { DecoderWeightSource } from './decoder-weights.js';

/** Where {@link saveDecoderTransformer} wrote the graph. */
export interface SavedDecoderTransformer {
  /** The graph and its side file. */
  decode: SavedModel;
}

/**
 * Saves a built decoder (`buildDecoderTransformer`) into `dir` as
 * `options.modelFile` with its weights. A graph built with `externalData`
 * (streamed) has its weights on disk already: `dir` must be that folder, and
 * only the model file is written.
 *
 * @param built the graph
 * @param dir target folder
 * @param options how the graph is saved
 */
export async function saveDecoderTransformer(
  built: Pick<DecoderTransformer, 'graph'>,
  dir: string,
  options: SaveOptions = {},
): Promise<SavedDecoderTransformer> {
  return { decode: await built.graph.save(dir, options) };
}

/** Where {@link writeDecoderTransformer} puts the graph. */
export interface DecoderGraphFiles {
  /** The folder. */
  dir: string;
  /** The model file's name (`decoder.onnx`). */
  modelFile: string;
  /**
   * `true`: weights in the side file `<modelFile>_data`, streamed there while
   * the graph is built (the build holds about one tensor, not the model);
   * `'auto'`: built in memory and externalized only past 2 GiB (small
   * transformers.js exports stay one file).
   */
  externalData: boolean | 'auto';
}

/** What {@link writeDecoderTransformer} wrote. */
export interface WrittenDecoderTransformer {
  /** The model file's name inside the folder. */
  modelFile: string;
  /** Parameters read from the checkpoint. */
  parameters: number;
  /** Bytes of the side file (0 without one). */
  dataBytes: number;
}

/**
 * Builds a decoder (`buildDecoderTransformer`) and saves it: the one call a
 * model's graph builder makes. With `externalData: true` the weights are
 * streamed to the side file during the build.
 *
 * @param source the checkpoint's tensors
 * @param options the decoder (its `externalData` is set here from `files`)
 * @param files folder, file name and where weights go
 */
export async function writeDecoderTransformer(
  source: DecoderWeightSource,
  options: Omit<DecoderTransformerOptions, 'externalData'>,
  files: DecoderGraphFiles,
): Promise<WrittenDecoderTransformer> {
  const streamed = files.externalData === true;
  const built = await buildDecoderTransformer(source, {
    ...options,
    ...(streamed ? { externalData: { dir: files.dir, dataFile: `${files.modelFile}_data` } } : {}),
  });
  const saved = await built.graph.save(files.dir, { modelFile: files.modelFile, externalData: files.externalData });
  return { modelFile: basename(saved.modelPath), parameters: built.parameters, dataBytes: saved.dataBytes };
}
