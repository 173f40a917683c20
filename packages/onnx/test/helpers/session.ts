import { InferenceSession, Tensor } from 'onnxruntime-node';

/** Feeds by input name: a tensor, or float32 data with its dims. */
export type Feeds = Record<string, Tensor>;

/**
 * Loads a model (bytes or a path) into a CPU session, runs it once and releases it.
 *
 * @param model model bytes or a path to a .onnx file
 * @param feeds inputs
 */
export async function runModel(model: Uint8Array | string, feeds: Feeds): Promise<Record<string, Tensor>> {
  const options: InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 1 };
  const session =
    typeof model === 'string'
      ? await InferenceSession.create(model, options)
      : await InferenceSession.create(model, options);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** A float32 tensor. */
export function f32(data: Float32Array | readonly number[], dims: readonly number[]): Tensor {
  return new Tensor('float32', Float32Array.from(data), dims);
}

/** An int64 tensor. */
export function i64(data: readonly number[], dims: readonly number[]): Tensor {
  return new Tensor(
    'int64',
    BigInt64Array.from(data, (v) => BigInt(v)),
    dims,
  );
}

/** An int32 tensor. */
export function i32(data: readonly number[], dims: readonly number[]): Tensor {
  return new Tensor('int32', Int32Array.from(data), dims);
}

/** The float32 data of an output tensor. */
export function floats(tensor: Tensor | undefined): Float32Array {
  if (tensor?.type !== 'float32') throw new Error(`expected a float32 tensor, got ${tensor?.type}`);
  return tensor.data as Float32Array;
}
