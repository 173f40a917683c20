import { totalmem } from 'node:os';
import { type BaseConfig, type Dtype, InsufficientMemoryError } from '@pio/core';

/** What onnxruntime, the tokenizer and Node take beside weights and cache (measured: ~300–500 MiB). */
const runtimeBytes = 512 * 1024 ** 2;

/** Dtypes tried, largest first, when the asked one does not fit. */
const fallbackDtypes: readonly Dtype[] = ['float32', 'int8', 'int4'];

/** Estimated bytes a model needs at `dtype`: its weights, the fp32 KV cache at the context length, the runtime. */
export function estimateModelBytes(config: BaseConfig, dtype: Dtype = config.dtype): number {
  return config.estimateWeightBytes(dtype) + config.kvCacheBytes(config.maxContextLength) + runtimeBytes;
}

/**
 * Refuses, before any weight is read or built, a model that cannot fit in
 * the machine's memory at its dtype, naming what it needs and the largest
 * dtype that would fit.
 *
 * @param config the model's config (its dtype and context length)
 * @param model the name to print (the config class)
 * @param options the checkpoint to name, and the memory to fit in (default `os.totalmem()`)
 * @throws {InsufficientMemoryError} when the estimate exceeds the memory
 */
export function checkMemoryFit(
  config: BaseConfig,
  model: string,
  options: { checkpoint?: string; availableBytes?: number } = {},
): void {
  const availableBytes = options.availableBytes ?? totalmem();
  const neededBytes = estimateModelBytes(config);
  if (neededBytes <= availableBytes) return;
  const fittingDtype = fallbackDtypes.find((dtype) => estimateModelBytes(config, dtype) <= availableBytes);
  throw new InsufficientMemoryError({
    model,
    dtype: config.dtype,
    neededBytes,
    availableBytes,
    fittingDtype,
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  });
}
