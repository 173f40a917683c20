import type { GgmlTypeName } from '../format/ggml-type.js';
import type { GgufTensorInfo } from './read-gguf-header.js';

/** How much of a checkpoint one storage type holds. */
export interface GgufTypeShare {
  /** Storage type. */
  type: GgmlTypeName;
  /** Tensors stored in it. */
  tensors: number;
  /** Weights (elements) stored in it. */
  parameters: number;
  /** Bytes of data stored in it. */
  bytes: number;
  /** Its share of all tensor bytes, 0..1. */
  share: number;
}

/**
 * Bytes, weights and tensors per storage type, largest share first: what a
 * Q4_K_M file is made of (for `pio info`), from the tensor infos alone.
 */
export function ggufTypeSummary(tensors: readonly GgufTensorInfo[]): GgufTypeShare[] {
  const byType = new Map<GgmlTypeName, GgufTypeShare>();
  let total = 0;
  for (const tensor of tensors) {
    const entry = byType.get(tensor.type) ?? { type: tensor.type, tensors: 0, parameters: 0, bytes: 0, share: 0 };
    entry.tensors += 1;
    entry.parameters += tensor.shape.reduce((a, b) => a * b, 1);
    entry.bytes += tensor.byteLength;
    total += tensor.byteLength;
    byType.set(tensor.type, entry);
  }
  const shares = [...byType.values()];
  for (const entry of shares) entry.share = total > 0 ? entry.bytes / total : 0;
  return shares.sort((a, b) => b.bytes - a.bytes);
}
