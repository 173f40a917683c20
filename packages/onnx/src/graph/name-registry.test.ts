import { describe, expect, it } from 'vitest';
import { NameRegistry } from './name-registry.js';

describe('NameRegistry', () => {
  it('suffixes repeated names and skips names taken explicitly', () => {
    const names = new NameRegistry();
    expect(names.unique('a/MatMul')).toBe('a/MatMul');
    names.take('a/MatMul_1');
    expect(names.unique('a/MatMul')).toBe('a/MatMul_2');
    expect(names.unique('a/MatMul')).toBe('a/MatMul_3');
    expect(names.unique('b')).toBe('b');
    expect(names.has('a/MatMul_1')).toBe(true);
    expect(names.has('c')).toBe(false);
  });
});
