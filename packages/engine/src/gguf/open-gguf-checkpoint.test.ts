import { describe, expect, it } from 'vitest';
import { ggufDefaultDtype } from './open-gguf-checkpoint.js';

describe('ggufDefaultDtype', () => {
  it('takes general.file_type when known: Q4_K_M is int4 even when Q6_K holds most bytes', () => {
    expect(ggufDefaultDtype('Q6_K', 15)).toBe('int4');
    expect(ggufDefaultDtype('Q4_0', 2)).toBe('int4');
    expect(ggufDefaultDtype('Q8_0', 7)).toBe('int8');
    expect(ggufDefaultDtype('Q6_K', 18)).toBe('int8');
    expect(ggufDefaultDtype('Q5_K', 17)).toBe('int8');
    expect(ggufDefaultDtype('F16', 1)).toBe('float32');
    expect(ggufDefaultDtype('BF16', 32)).toBe('float32');
  });

  it('falls back to the type holding most bytes without a known file type', () => {
    expect(ggufDefaultDtype('Q4_K', undefined)).toBe('int4');
    expect(ggufDefaultDtype('Q6_K', 999)).toBe('int8');
    expect(ggufDefaultDtype('F32', undefined)).toBe('float32');
    expect(ggufDefaultDtype(undefined, undefined)).toBe('float32');
  });
});
