import type { ExecutionProvider } from '@pio/core';
import * as ort from 'onnxruntime-node';
import { initOnnxruntime } from './init-onnxruntime.js';

/** Settings of an onnxruntime session. */
export interface SessionSettings {
  /** Threads of the intra-op pool; 0 lets onnxruntime use every core. */
  numThreads?: number;
  /** Where to run; only `cpu` works on machines without a GPU. */
  executionProvider?: ExecutionProvider;
  /**
   * Let onnxruntime repack weights into its kernels' layouts at session
   * creation (default true). The packed copy is private to the session: a
   * second session over the same weights (the prefill graph) doubles their
   * memory, which for float weights buys nothing on long prompts (the GEMM
   * packs per call, negligible at hundreds of rows), so it turns this off for
   * them. `MatMulNBits` (int4/int8) needs it: half the speed without.
   */
  prepackWeights?: boolean;
}

/** A model graph: serialized ONNX bytes, or the path of a `.onnx` file (with its external data beside it). */
export type GraphSource = Uint8Array | string;

/**
 * Creates an onnxruntime-node session with the settings PIO measured best on
 * CPU: every graph optimization, one inter-op thread, spinning intra-op
 * threads (turning spinning off cost ~35% in FACTS.md). The first call
 * prepares onnxruntime for a long command line ({@link initOnnxruntime}).
 */
export async function createSession(graph: GraphSource, settings: SessionSettings = {}): Promise<ort.InferenceSession> {
  await initOnnxruntime();
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [settings.executionProvider ?? 'cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    ...(settings.numThreads ? { intraOpNumThreads: settings.numThreads } : {}),
    extra: {
      session: {
        intra_op: { allow_spinning: '1' },
        ...(settings.prepackWeights === false ? { disable_prepacking: '1' } : {}),
      },
    },
  };
  return typeof graph === 'string'
    ? ort.InferenceSession.create(graph, options)
    : ort.InferenceSession.create(graph, options);
}
