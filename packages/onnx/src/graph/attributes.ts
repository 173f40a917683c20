import { type AttributeProtoInit, type GraphProtoInit, onnx } from '../serialize/onnx-proto.js';
import { defaultElemType, type ElemType, type TensorData } from '../tensor/elem-type.js';
import { inlineTensorProto, tensorBytes } from '../tensor/tensor-proto.js';

/** An attribute whose ONNX type is stated rather than guessed. Build one with {@link attr}. */
export type TypedAttribute =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number | bigint }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly (number | bigint)[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | {
      readonly kind: 'tensor';
      readonly value: { data: TensorData; dims: readonly number[]; elemType: ElemType };
    }
  | { readonly kind: 'graph'; readonly value: GraphProtoInit };

/**
 * A node attribute value. Plain values are typed by what they hold: an
 * integer number, a bigint or a boolean is an `INT`, any other number a
 * `FLOAT`, a string a `STRING`, an array of integers `INTS`, an array with any
 * fraction `FLOATS`, an array of strings `STRINGS`. Use {@link attr} when the
 * guess is wrong (a float attribute whose value is a whole number, an empty
 * list). `undefined` leaves the attribute out.
 */
export type AttributeValue =
  | number
  | bigint
  | boolean
  | string
  | readonly number[]
  | readonly bigint[]
  | readonly string[]
  | TypedAttribute
  | undefined;

/** Attributes of a node, by ONNX attribute name. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** Builders for attributes of a stated type, e.g. `{ scale: attr.float(1) }`. */
export const attr = {
  /** A `FLOAT` attribute, even for a whole number. */
  float: (value: number): TypedAttribute => ({ kind: 'float', value }),
  /** An `INT` attribute. */
  int: (value: number | bigint): TypedAttribute => ({ kind: 'int', value }),
  /** A `STRING` attribute. */
  string: (value: string): TypedAttribute => ({ kind: 'string', value }),
  /** A `FLOATS` attribute, even when every value is whole or the list is empty. */
  floats: (value: readonly number[]): TypedAttribute => ({ kind: 'floats', value }),
  /** An `INTS` attribute. */
  ints: (value: readonly (number | bigint)[]): TypedAttribute => ({ kind: 'ints', value }),
  /** A `STRINGS` attribute. */
  strings: (value: readonly string[]): TypedAttribute => ({ kind: 'strings', value }),
  /**
   * A `TENSOR` attribute (for example the `value` of `ConstantOfShape`).
   *
   * @param data element data; `Uint16Array` means float16 unless `elemType` says otherwise
   * @param dims shape; `[]` for a scalar
   * @param elemType element type, when not the default of `data`
   */
  tensor: (data: TensorData, dims: readonly number[], elemType?: ElemType): TypedAttribute => ({
    kind: 'tensor',
    value: { data, dims, elemType: elemType ?? defaultElemType(data) },
  }),
  /** A `GRAPH` attribute (a branch of `If`, the body of `Loop`): build it with `GraphCore.subgraph`. */
  graph: (value: GraphProtoInit): TypedAttribute => ({ kind: 'graph', value }),
} as const;

const AttributeType = onnx.AttributeProto.AttributeType;

/**
 * Encodes one attribute, or returns a reason when the value cannot be encoded.
 *
 * @param name attribute name
 * @param value its value
 */
export function toAttributeProto(name: string, value: Exclude<AttributeValue, undefined>): AttributeProtoInit | string {
  if (typeof value === 'boolean') return { name, type: AttributeType.INT, i: value ? 1 : 0 };
  if (typeof value === 'bigint') return { name, type: AttributeType.INT, i: toInt64(value) };
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  if (Array.isArray(value)) {
    const list = value as readonly (number | bigint | string)[];
    if (list.every((item) => typeof item === 'string')) {
      if (list.length > 0) return encodeTyped(name, { kind: 'strings', value: list as readonly string[] });
      return encodeTyped(name, { kind: 'ints', value: [] });
    }
    if (list.every((item) => typeof item === 'bigint' || (typeof item === 'number' && Number.isInteger(item)))) {
      return encodeTyped(name, { kind: 'ints', value: list as readonly (number | bigint)[] });
    }
    if (list.every((item) => typeof item === 'number')) {
      return encodeTyped(name, { kind: 'floats', value: list as readonly number[] });
    }
    return 'mixes strings, numbers and bigints in one list';
  }
  return encodeTyped(name, value as TypedAttribute);
}

function encodeTyped(name: string, value: TypedAttribute): AttributeProtoInit | string {
  switch (value.kind) {
    case 'float':
      return { name, type: AttributeType.FLOAT, f: value.value };
    case 'int':
      if (typeof value.value === 'number' && !Number.isInteger(value.value)) return `${value.value} is not an integer`;
      return { name, type: AttributeType.INT, i: toInt64(value.value) };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.value) };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...value.value] };
    case 'ints': {
      const bad = value.value.find((item) => typeof item === 'number' && !Number.isInteger(item));
      if (bad !== undefined) return `${bad} is not an integer`;
      return { name, type: AttributeType.INTS, ints: value.value.map(toInt64) };
    }
    case 'strings':
      return { name, type: AttributeType.STRINGS, strings: value.value.map((item) => new TextEncoder().encode(item)) };
    case 'tensor': {
      const { data, dims, elemType } = value.value;
      return { name, type: AttributeType.TENSOR, t: inlineTensorProto('', elemType, dims, tensorBytes(data)) };
    }
    case 'graph':
      return { name, type: AttributeType.GRAPH, g: value.value };
    default:
      return `has an unknown attribute kind ${JSON.stringify((value as { kind?: unknown }).kind)}`;
  }
}

// protobufjs writes int64 from a number or a decimal string; strings keep bigints beyond 2^53 exact.
function toInt64(value: number | bigint): number | string {
  return typeof value === 'bigint' ? value.toString() : value;
}
