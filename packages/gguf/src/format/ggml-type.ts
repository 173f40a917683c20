/**
 * ggml tensor types that PIO knows the layout of (`enum ggml_type` in
 * ggml.h). The numbers are the ones stored in a GGUF tensor info.
 */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  BF16: 30,
} as const;

/** The name of a {@link GgmlType}. */
export type GgmlTypeName = keyof typeof GgmlType;

/** Block layout of a type: `blockSize` weights take `bytesPerBlock` bytes. */
export interface GgmlTypeLayout {
  /** Weights per block (1 for plain floats). */
  blockSize: number;
  /** Bytes per block. */
  bytesPerBlock: number;
}

const qk = 32;
const qkK = 256;

/** The block layout of every {@link GgmlType} (from the `block_*` structs of ggml-common.h). */
export const ggmlTypeLayouts: Readonly<Record<GgmlTypeName, GgmlTypeLayout>> = {
  F32: { blockSize: 1, bytesPerBlock: 4 },
  F16: { blockSize: 1, bytesPerBlock: 2 },
  BF16: { blockSize: 1, bytesPerBlock: 2 },
  Q4_0: { blockSize: qk, bytesPerBlock: 2 + qk / 2 },
  Q4_1: { blockSize: qk, bytesPerBlock: 4 + qk / 2 },
  Q5_0: { blockSize: qk, bytesPerBlock: 2 + 4 + qk / 2 },
  Q5_1: { blockSize: qk, bytesPerBlock: 4 + 4 + qk / 2 },
  Q8_0: { blockSize: qk, bytesPerBlock: 2 + qk },
  Q2_K: { blockSize: qkK, bytesPerBlock: qkK / 16 + qkK / 4 + 4 },
  Q3_K: { blockSize: qkK, bytesPerBlock: qkK / 8 + qkK / 4 + 12 + 2 },
  Q4_K: { blockSize: qkK, bytesPerBlock: 4 + 12 + qkK / 2 },
  Q5_K: { blockSize: qkK, bytesPerBlock: 4 + 12 + qkK / 8 + qkK / 2 },
  Q6_K: { blockSize: qkK, bytesPerBlock: qkK / 2 + qkK / 4 + qkK / 16 + 2 },
};

/** The name of a type number, or `undefined` when PIO does not know it. */
export function ggmlTypeName(type: number): GgmlTypeName | undefined {
  for (const [name, value] of Object.entries(GgmlType)) if (value === type) return name as GgmlTypeName;
  return undefined;
}

/**
 * Bytes taken by a row-major tensor of `shape` (outermost first, as in
 * safetensors) stored as `type`.
 *
 * @throws RangeError when the innermost dimension is not a multiple of the block size.
 */
export function ggmlTensorBytes(type: GgmlTypeName, shape: readonly number[]): number {
  const { blockSize, bytesPerBlock } = ggmlTypeLayouts[type];
  const inner = shape.at(-1) ?? 1;
  if (inner % blockSize !== 0) {
    throw new RangeError(`a ${type} row holds whole blocks of ${blockSize}; the innermost dimension is ${inner}`);
  }
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return rows * (inner / blockSize) * bytesPerBlock;
}
