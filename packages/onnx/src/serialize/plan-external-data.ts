/** A tensor to place: only its size matters. */
export interface Placeable {
  /** The tensor's bytes (only `byteLength` is read). */
  readonly bytes: { readonly byteLength: number };
}

/** Settings of {@link planExternalData}; see `SaveOptions` for their meaning. */
export interface ExternalDataPlanOptions {
  /** `true`, `false` or `'auto'`. */
  externalData: boolean | 'auto';
  /** Tensors smaller than this stay inline. */
  thresholdBytes: number;
  /** Tensors at least this large start at a multiple of 64 KiB. */
  alignThresholdBytes: number;
}

/** Where each externalized tensor goes in the side file, and the file size. */
export interface ExternalDataPlan<T> {
  /** Byte offset in the side file of each externalized tensor, in file order. */
  readonly offsets: ReadonlyMap<T, number>;
  /** Size of the side file. */
  readonly dataBytes: number;
  /** Bytes of the tensors left inline. */
  readonly inlineBytes: number;
}

/** The most a protobuf message (the model file with inline weights) may hold. */
export const protobufLimitBytes = 2 ** 31 - 1;
// The graph itself (nodes, names, small inline tensors) must fit next to the weights in one message.
const autoExternalBytes = protobufLimitBytes - 64 * 1024 * 1024;
const largeAlignment = 65536;
const smallAlignment = 64;

/**
 * Where a tensor of `size` bytes starts when the side file so far ends at
 * `end`: the next multiple of 64 KiB for tensors of at least
 * `alignThresholdBytes` (so onnxruntime can memory-map them: 4 KiB pages on
 * Linux and macOS, 64 KiB allocation granularity on Windows), else of 64 bytes.
 *
 * @param end bytes used so far
 * @param size the tensor's byte length
 * @param alignThresholdBytes from this size on, tensors are 64 KiB aligned
 */
export function alignedOffset(end: number, size: number, alignThresholdBytes: number): number {
  const alignment = size >= alignThresholdBytes ? largeAlignment : smallAlignment;
  return Math.ceil(end / alignment) * alignment;
}

/**
 * Decides which tensors go to the side file and at which offsets (see
 * {@link alignedOffset}): large tensors at multiples of 64 KiB, others of 64
 * bytes. `ExternalDataWriter` places streamed tensors by the same rule.
 *
 * @param tensors the initializers, in graph order
 * @param options when to externalize and how to align
 */
export function planExternalData<T extends Placeable>(
  tensors: readonly T[],
  options: ExternalDataPlanOptions,
): ExternalDataPlan<T> {
  const total = tensors.reduce((sum, tensor) => sum + tensor.bytes.byteLength, 0);
  const { externalData } = options;
  const offsets = new Map<T, number>();
  let dataBytes = 0;
  if (externalData === true || (externalData === 'auto' && total > autoExternalBytes)) {
    for (const tensor of tensors) {
      const size = tensor.bytes.byteLength;
      if (size < options.thresholdBytes) continue;
      const offset = alignedOffset(dataBytes, size, options.alignThresholdBytes);
      offsets.set(tensor, offset);
      dataBytes = offset + size;
    }
  }
  let inlineBytes = 0;
  for (const tensor of tensors) if (!offsets.has(tensor)) inlineBytes += tensor.bytes.byteLength;
  return { offsets, dataBytes, inlineBytes };
}
