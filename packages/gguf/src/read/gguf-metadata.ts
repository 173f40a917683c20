import { GgufFileError } from '../errors/gguf-file-error.js';
import { type GgufArrayItem, type GgufValue, GgufValueType } from '../format/gguf-value-type.js';

const typeNames: Record<number, string> = {
  [GgufValueType.UINT8]: 'uint8',
  [GgufValueType.INT8]: 'int8',
  [GgufValueType.UINT16]: 'uint16',
  [GgufValueType.INT16]: 'int16',
  [GgufValueType.UINT32]: 'uint32',
  [GgufValueType.INT32]: 'int32',
  [GgufValueType.FLOAT32]: 'float32',
  [GgufValueType.BOOL]: 'bool',
  [GgufValueType.STRING]: 'string',
  [GgufValueType.ARRAY]: 'array',
  [GgufValueType.UINT64]: 'uint64',
  [GgufValueType.INT64]: 'int64',
  [GgufValueType.FLOAT64]: 'float64',
};

const numericTypes = new Set<number>([
  GgufValueType.UINT8,
  GgufValueType.INT8,
  GgufValueType.UINT16,
  GgufValueType.INT16,
  GgufValueType.UINT32,
  GgufValueType.INT32,
  GgufValueType.FLOAT32,
  GgufValueType.UINT64,
  GgufValueType.INT64,
  GgufValueType.FLOAT64,
]);

/** The name of a value's type as the errors print it: `uint32`, `string`, `array of string`, ... */
export function ggufTypeName(value: GgufValue): string {
  if (value.type === GgufValueType.ARRAY) return `array of ${typeNames[value.itemType] ?? value.itemType}`;
  return typeNames[value.type] ?? String(value.type);
}

/**
 * A typed view of a GGUF file's metadata. `getString(key)`, `getNumber(key)`
 * and the others throw a {@link GgufFileError} naming the file, the key, the
 * type asked for and the type found; `find*` return `undefined` for an absent
 * key (and still throw for a present key of another type).
 */
export class GgufMetadata {
  /** Wraps the decoded metadata of `file`. */
  constructor(
    /** Every key/value, in file order. */
    readonly entries: ReadonlyMap<string, GgufValue>,
    /** The file they come from (named by errors). */
    readonly file: string,
  ) {}

  /** True when `key` is present. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The raw typed value, or `undefined`. */
  get(key: string): GgufValue | undefined {
    return this.entries.get(key);
  }

  private wrongType(key: string, wanted: string, value: GgufValue): GgufFileError {
    return new GgufFileError({
      file: this.file,
      entry: key,
      kind: 'metadata-type',
      reason: `expected ${wanted}, found ${ggufTypeName(value)}`,
      hint: 'The file was written by a tool PIO does not know, or for another architecture: convert it again with llama.cpp.',
    });
  }

  private missing(key: string, wanted: string): GgufFileError {
    return new GgufFileError({
      file: this.file,
      entry: key,
      kind: 'missing-metadata',
      reason: `the ${wanted} key is missing`,
      hint: 'Convert the checkpoint again with a current llama.cpp (convert_hf_to_gguf.py writes it).',
    });
  }

  private required<T>(key: string, wanted: string, find: (key: string) => T | undefined): T {
    const value = find.call(this, key);
    if (value === undefined) throw this.missing(key, wanted);
    return value;
  }

  /** A string value, or `undefined` when absent. */
  findString(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (value.type !== GgufValueType.STRING) throw this.wrongType(key, 'a string', value);
    return value.value as string;
  }

  /** A string value. @throws GgufFileError when absent or of another type. */
  getString(key: string): string {
    return this.required(key, 'string', this.findString);
  }

  /**
   * A number of any numeric type (64-bit integers converted when they fit a
   * double exactly), or `undefined` when absent.
   */
  findNumber(key: string): number | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (value.type === GgufValueType.ARRAY || !numericTypes.has(value.type))
      throw this.wrongType(key, 'a number', value);
    if (typeof value.value === 'bigint') {
      if (value.value > BigInt(Number.MAX_SAFE_INTEGER) || value.value < -BigInt(Number.MAX_SAFE_INTEGER))
        throw this.wrongType(key, 'a number within 2^53', value);
      return Number(value.value);
    }
    return value.value as number;
  }

  /** A number of any numeric type. @throws GgufFileError when absent or of another type. */
  getNumber(key: string): number {
    return this.required(key, 'number', this.findNumber);
  }

  /** An integer of any numeric type, or `undefined` when absent. @throws GgufFileError for a fraction. */
  findInteger(key: string): number | undefined {
    const value = this.findNumber(key);
    if (value !== undefined && !Number.isInteger(value))
      throw this.wrongType(key, 'an integer', this.entries.get(key)!);
    return value;
  }

  /** An integer of any numeric type. @throws GgufFileError when absent, fractional or of another type. */
  getInteger(key: string): number {
    return this.required(key, 'integer', this.findInteger);
  }

  /** A boolean, or `undefined` when absent. */
  findBoolean(key: string): boolean | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (value.type !== GgufValueType.BOOL) throw this.wrongType(key, 'a bool', value);
    return value.value as boolean;
  }

  /** A boolean. @throws GgufFileError when absent or of another type. */
  getBoolean(key: string): boolean {
    return this.required(key, 'bool', this.findBoolean);
  }

  /** The items of an array value of any item type, or `undefined` when absent. */
  findArray(key: string): readonly GgufArrayItem[] | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (value.type !== GgufValueType.ARRAY) throw this.wrongType(key, 'an array', value);
    return value.value;
  }

  /** The items of an array value. @throws GgufFileError when absent or not an array. */
  getArray(key: string): readonly GgufArrayItem[] {
    return this.required(key, 'array', this.findArray);
  }

  /** An array of strings, or `undefined` when absent. */
  findStringArray(key: string): readonly string[] | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (value.type !== GgufValueType.ARRAY || value.itemType !== GgufValueType.STRING)
      throw this.wrongType(key, 'an array of string', value);
    return value.value as readonly string[];
  }

  /** An array of strings. @throws GgufFileError when absent or of another type. */
  getStringArray(key: string): readonly string[] {
    return this.required(key, 'array of string', this.findStringArray);
  }

  /** An array of numbers of any numeric item type, or `undefined` when absent. */
  findNumberArray(key: string): readonly number[] | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (value.type !== GgufValueType.ARRAY || !numericTypes.has(value.itemType))
      throw this.wrongType(key, 'an array of numbers', value);
    if (value.itemType === GgufValueType.UINT64 || value.itemType === GgufValueType.INT64)
      return (value.value as bigint[]).map(Number);
    return value.value as readonly number[];
  }

  /** An array of numbers. @throws GgufFileError when absent or of another type. */
  getNumberArray(key: string): readonly number[] {
    return this.required(key, 'array of numbers', this.findNumberArray);
  }

  /** Every key, in file order. */
  keys(): IterableIterator<string> {
    return this.entries.keys();
  }
}
