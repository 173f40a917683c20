import { describe, expect, it } from 'vitest';
import { parseShapes } from './parse-shapes.js';
import { benchShapes } from './shapes/bench-shapes.js';

const known = [{ name: 'small' }, { name: 'large' }];

describe('parseShapes', () => {
  it('returns the named shapes in list order, names trimmed', () => {
    expect(parseShapes('large, small', known)).toEqual([known[1], known[0]]);
  });

  it('names the unknown shape and the known ones', () => {
    expect(() => parseShapes('small,huge', known)).toThrow(new Error('Unknown shape "huge". Known: small, large.'));
  });

  it('refuses an empty list as an unknown shape ""', () => {
    expect(() => parseShapes('', known)).toThrow(new Error('Unknown shape "". Known: small, large.'));
  });

  it('finds the bench shapes by name', () => {
    expect(parseShapes('smollm2-135m', benchShapes).map((shape) => shape.name)).toEqual(['smollm2-135m']);
  });
});
