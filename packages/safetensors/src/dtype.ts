/**
 * Every safetensors dtype this package knows, with its size in bytes.
 * Sub-byte types (F4, F6_*) are left out: their tensors cannot be addressed
 * per element and no checkpoint PIO loads uses them.
 */
const dtypeSizes = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

/** A safetensors dtype name as it appears in a file's header, for example `BF16`. */
export type SafetensorsDtype = keyof typeof dtypeSizes;

/** The dtypes {@link SafetensorsFile.read} converts to float32. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

/** Every dtype this package can read (as raw bytes at least), in a stable order. */
export const safetensorsDtypes: readonly SafetensorsDtype[] = Object.keys(dtypeSizes) as SafetensorsDtype[];

/** The dtypes that can be converted to float32 and written. */
export const floatDtypes: readonly FloatDtype[] = ['F32', 'F16', 'BF16'];

/** True when `value` is a dtype name this package knows. */
export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(dtypeSizes, value);
}

/** True when tensors of `dtype` can be read as float32 and written from float32. */
export function isFloatDtype(value: unknown): value is FloatDtype {
  return value === 'F32' || value === 'F16' || value === 'BF16';
}

/** Size of one element of `dtype`, in bytes. */
export function dtypeByteSize(dtype: SafetensorsDtype): number {
  return dtypeSizes[dtype];
}
