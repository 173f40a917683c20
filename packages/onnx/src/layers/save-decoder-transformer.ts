import { basename } from 'node:path';
import { GraphError } from '../errors/graph-error.js';
import type { GraphBuilder } from '../graph/graph-builder.js';
import type { SavedModel, SaveOptions } from '../serialize/save-model.js';

/** Where {@link saveDecoderTransformer} wrote the graphs. */
export interface SavedDecoderTransformer {
  /** The decode graph (and the side file, shared by both graphs). */
  decode: SavedModel;
  /** The prefill graph, when the build has one; its `dataPath` is the decode graph's side file. */
  prefill?: SavedModel;
}

/**
 * Saves a built decoder (`buildDecoderTransformer`) into `dir`: the decode
 * graph as `options.modelFile` with its weights, and the prefill graph (when
 * built with `prefillGraph`) as `prefillFile`, reading the SAME side file:
 * the weights are on disk once.
 *
 * @param built the graphs
 * @param dir target folder
 * @param options how the decode graph is saved; the prefill graph uses the same side file and layout
 * @param prefillFile the prefill graph's file name (default `prefill.onnx`)
 * @throws {GraphError} when the two graphs' weights differ (they must be the same arrays in the same order)
 */
export async function saveDecoderTransformer(
  built: { graph: GraphBuilder; prefill?: GraphBuilder },
  dir: string,
  options: SaveOptions = {},
  prefillFile = 'prefill.onnx',
): Promise<SavedDecoderTransformer> {
  const decode = await built.graph.save(dir, options);
  if (!built.prefill) return { decode };
  checkSameWeights(built.graph, built.prefill);
  const dataFile = decode.dataPath ? basename(decode.dataPath) : undefined;
  const prefill = await built.prefill.save(dir, {
    ...options,
    modelFile: prefillFile,
    ...(dataFile ? { dataFile } : {}),
    writeData: false,
  });
  return { decode, prefill };
}

/** The side file is planned from the initializers in order: both graphs must list the same bytes in the same order. */
function checkSameWeights(decode: GraphBuilder, prefill: GraphBuilder): void {
  const large = (g: GraphBuilder) => g.contents().initializers.filter((init) => init.bytes.byteLength >= 1024);
  const a = large(decode);
  const b = large(prefill);
  const same =
    a.length === b.length &&
    a.every(
      (init, index) =>
        init.name === b[index]!.name &&
        init.bytes.buffer === b[index]!.bytes.buffer &&
        init.bytes.byteOffset === b[index]!.bytes.byteOffset &&
        init.bytes.byteLength === b[index]!.bytes.byteLength,
    );
  if (!same) {
    throw new GraphError({
      graphName: prefill.name,
      issues: [
        {
          problem: 'invalid-argument',
          detail: 'the prefill graph does not hold the decode graph’s weights in the same order',
        },
      ],
      hint: 'Build both graphs in one buildDecoderTransformer call with prefillGraph: true.',
    });
  }
}
