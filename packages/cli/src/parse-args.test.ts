import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeRange, dtypes, numberIn, positiveInteger, tokenIds } from './parse-args.js';

describe('numberIn', () => {
  const topP = numberIn({ min: 0, minExclusive: true, max: 1 });

  it('accepts values in the range, bounds included unless exclusive', () => {
    expect(topP('1')).toBe(1);
    expect(topP('0.25')).toBe(0.25);
    expect(numberIn({ min: -2, max: 2 })('-2')).toBe(-2);
    expect(positiveInteger('7')).toBe(7);
  });

  it.each([
    [topP, '2', '"2" is not a number in (0, 1].'],
    [topP, '0', '"0" is not a number in (0, 1].'],
    [topP, '', '"" is not a number in (0, 1].'],
    [numberIn({ min: 0 }), '-1', '"-1" is not a number >= 0.'],
    [numberIn({ min: 0 }), 'Infinity', '"Infinity" is not a number >= 0.'],
    [numberIn({ integer: true, min: 0 }), '-5', '"-5" is not an integer >= 0.'],
    [numberIn({ integer: true, min: 0, max: 10 }), '-1.5', '"-1.5" is not an integer in [0, 10].'],
    [positiveInteger, '0', '"0" is not an integer >= 1.'],
    [positiveInteger, '-1', '"-1" is not an integer >= 1.'],
    [positiveInteger, 'abc', '"abc" is not an integer >= 1.'],
  ])('refuses out-of-range or malformed values with the accepted range (%#)', (parse, value, message) => {
    expect(() => parse(value)).toThrow(InvalidArgumentError);
    expect(() => parse(value)).toThrow(message);
  });

  it('describes ranges in words', () => {
    expect(describeRange({ integer: true, min: 1 })).toBe('an integer >= 1');
    expect(describeRange({ min: 0, minExclusive: true })).toBe('a number > 0');
    expect(describeRange({ min: 0, max: 1 })).toBe('a number in [0, 1]');
  });
});

describe('tokenIds', () => {
  it('parses comma-separated ids, spaces allowed', () => {
    expect(tokenIds('1,2, 3')).toEqual([1, 2, 3]);
    expect(tokenIds('0')).toEqual([0]);
  });

  it.each([
    ['', 'it is empty'],
    [' ', 'it is empty'],
    ['1,,2', 'item 2 ("") is not a token id'],
    ['1,2,', 'item 3 ("") is not a token id'],
    ['1,a', 'item 2 ("a") is not a token id'],
    ['-1', 'item 1 ("-1") is not a token id'],
    ['1.5', 'item 1 ("1.5") is not a token id'],
    ['0x10', 'item 1 ("0x10") is not a token id'],
  ])('refuses %j instead of reading a 0 into it', (value, reason) => {
    expect(() => tokenIds(value)).toThrow(InvalidArgumentError);
    expect(() => tokenIds(value)).toThrow(reason);
  });
});

describe('dtypes', () => {
  it('parses a comma-separated list in order', () => {
    expect(dtypes('float32,int8, int4')).toEqual(['float32', 'int8', 'int4']);
    expect(dtypes('int4')).toEqual(['int4']);
  });

  it('refuses unknown and repeated dtypes, naming them', () => {
    expect(() => dtypes('float32,int3')).toThrow('"float32,int3": "int3" is not one of float32, int8, int4.');
    expect(() => dtypes('int8,int8')).toThrow('"int8,int8" names a dtype twice.');
    expect(() => dtypes('')).toThrow(InvalidArgumentError);
  });
});
