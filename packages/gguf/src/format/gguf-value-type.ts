/**
 * The type tag of a GGUF metadata value (`gguf_metadata_value_type` in the
 * GGUF specification of ggml).
 */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** One of the {@link GgufValueType} tags. */
export type GgufValueTypeId = (typeof GgufValueType)[keyof typeof GgufValueType];

/** A scalar metadata value with its GGUF type. */
export interface GgufScalar {
  /** The GGUF type tag (not {@link GgufValueType.ARRAY}). */
  type: Exclude<GgufValueTypeId, 9>;
  /** The value: a number, a bigint for 64-bit integers, a boolean or a string. */
  value: number | bigint | boolean | string;
}

/** One element of a {@link GgufArray}: a scalar, or an array when the item type is `ARRAY`. */
export type GgufArrayItem = number | bigint | boolean | string | GgufArray;

/**
 * An array metadata value: every element has `itemType`. Arrays may nest: an
 * `itemType` of {@link GgufValueType.ARRAY} makes every element a
 * {@link GgufArray} with its own item type.
 */
export interface GgufArray {
  /** Always {@link GgufValueType.ARRAY}. */
  type: 9;
  /** The type of every element. */
  itemType: GgufValueTypeId;
  /** The elements. */
  value: readonly GgufArrayItem[];
}

/** A typed metadata value. */
export type GgufValue = GgufScalar | GgufArray;

/** Byte size of a fixed-size scalar type, or `undefined` for strings and arrays. */
export function ggufScalarSize(type: GgufValueTypeId): number | undefined {
  switch (type) {
    case GgufValueType.UINT8:
    case GgufValueType.INT8:
    case GgufValueType.BOOL:
      return 1;
    case GgufValueType.UINT16:
    case GgufValueType.INT16:
      return 2;
    case GgufValueType.UINT32:
    case GgufValueType.INT32:
    case GgufValueType.FLOAT32:
      return 4;
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
    case GgufValueType.FLOAT64:
      return 8;
    default:
      return undefined;
  }
}

/** Shorthands for typed values, so metadata reads like the GGUF key list. */
export const gguf = {
  /** A UTF-8 string. */
  string: (value: string): GgufScalar => ({ type: GgufValueType.STRING, value }),
  /** An unsigned 32-bit integer. */
  uint32: (value: number): GgufScalar => ({ type: GgufValueType.UINT32, value }),
  /** A signed 32-bit integer. */
  int32: (value: number): GgufScalar => ({ type: GgufValueType.INT32, value }),
  /** A 32-bit float. */
  float32: (value: number): GgufScalar => ({ type: GgufValueType.FLOAT32, value }),
  /** A boolean. */
  bool: (value: boolean): GgufScalar => ({ type: GgufValueType.BOOL, value }),
  /** An unsigned 64-bit integer. */
  uint64: (value: bigint | number): GgufScalar => ({ type: GgufValueType.UINT64, value: BigInt(value) }),
  /** An unsigned 8-bit integer. */
  uint8: (value: number): GgufScalar => ({ type: GgufValueType.UINT8, value }),
  /** A signed 8-bit integer. */
  int8: (value: number): GgufScalar => ({ type: GgufValueType.INT8, value }),
  /** An unsigned 16-bit integer. */
  uint16: (value: number): GgufScalar => ({ type: GgufValueType.UINT16, value }),
  /** A signed 16-bit integer. */
  int16: (value: number): GgufScalar => ({ type: GgufValueType.INT16, value }),
  /** A signed 64-bit integer. */
  int64: (value: bigint | number): GgufScalar => ({ type: GgufValueType.INT64, value: BigInt(value) }),
  /** A 64-bit float. */
  float64: (value: number): GgufScalar => ({ type: GgufValueType.FLOAT64, value }),
  /** An array of `itemType` elements (nested arrays when `itemType` is `ARRAY`). */
  array: (itemType: GgufValueTypeId, value: readonly GgufArrayItem[]): GgufArray => ({
    type: GgufValueType.ARRAY,
    itemType,
    value,
  }),
  /** An array of strings. */
  strings: (value: readonly string[]): GgufArray => ({
    type: GgufValueType.ARRAY,
    itemType: GgufValueType.STRING,
    value,
  }),
  /** An array of signed 32-bit integers. */
  int32s: (value: readonly number[]): GgufArray => ({
    type: GgufValueType.ARRAY,
    itemType: GgufValueType.INT32,
    value,
  }),
  /** An array of 32-bit floats. */
  float32s: (value: readonly number[]): GgufArray => ({
    type: GgufValueType.ARRAY,
    itemType: GgufValueType.FLOAT32,
    value,
  }),
} as const;
