import { describe, expect, it } from 'vitest';
import { onnx } from '../serialize/onnx-proto.js';
import { attr, toAttributeProto } from './attributes.js';

const T = onnx.AttributeProto.AttributeType;

describe('toAttributeProto', () => {
  it('types plain values by what they hold', () => {
    expect(toAttributeProto('a', 3)).toEqual({ name: 'a', type: T.INT, i: 3 });
    expect(toAttributeProto('a', 1e-6)).toEqual({ name: 'a', type: T.FLOAT, f: 1e-6 });
    expect(toAttributeProto('a', false)).toEqual({ name: 'a', type: T.INT, i: 0 });
    expect(toAttributeProto('a', 2n ** 60n)).toEqual({ name: 'a', type: T.INT, i: '1152921504606846976' });
    expect(toAttributeProto('a', [1, 2])).toMatchObject({ type: T.INTS, ints: [1, 2] });
    expect(toAttributeProto('a', [1, 2.5])).toMatchObject({ type: T.FLOATS, floats: [1, 2.5] });
    expect(toAttributeProto('a', [])).toMatchObject({ type: T.INTS, ints: [] });
    expect(toAttributeProto('a', ['x', 'y'])).toMatchObject({ type: T.STRINGS });
    expect(toAttributeProto('a', 'gelu')).toMatchObject({ type: T.STRING, s: new TextEncoder().encode('gelu') });
  });

  it('keeps the stated type of attr.* values', () => {
    expect(toAttributeProto('scale', attr.float(1))).toEqual({ name: 'scale', type: T.FLOAT, f: 1 });
    expect(toAttributeProto('v', attr.floats([]))).toMatchObject({ type: T.FLOATS, floats: [] });
    expect(toAttributeProto('v', attr.int(1.5))).toBe('1.5 is not an integer');
    expect(toAttributeProto('v', attr.ints([1, 0.5]))).toBe('0.5 is not an integer');
    const tensor = toAttributeProto('value', attr.tensor(BigInt64Array.of(7n), [1]));
    expect(tensor).toMatchObject({ type: T.TENSOR, t: { dataType: 7, dims: [1] } });
  });
});
