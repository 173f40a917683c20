import { describe, expect, it } from 'vitest';
import { globMatcher } from './glob.js';

describe('globMatcher', () => {
  it('matches * within a segment, ** across segments, ? and {a,b}', () => {
    expect(globMatcher('onnx/*.onnx')('onnx/model.onnx')).toBe(true);
    expect(globMatcher('onnx/*.onnx')('onnx/sub/model.onnx')).toBe(false);
    expect(globMatcher('**/*.json')('a/b/c.json')).toBe(true);
    expect(globMatcher('**/*.json')('c.json')).toBe(true);
    expect(globMatcher('model-0000?-of-00002.safetensors')('model-00001-of-00002.safetensors')).toBe(true);
    expect(globMatcher('*.{bin,pt}')('pytorch_model.bin')).toBe(true);
    expect(globMatcher('*.{bin,pt}')('model.safetensors')).toBe(false);
  });

  it('matches a pattern without a slash against the file name, and escapes regex characters', () => {
    expect(globMatcher('*.onnx_data')('onnx/model.onnx_data')).toBe(true);
    expect(globMatcher('model.onnx')('onnx/modelXonnx')).toBe(false);
    expect(globMatcher('a+b(1).txt')('a+b(1).txt')).toBe(true);
  });
});
