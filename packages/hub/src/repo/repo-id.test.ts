import { describe, expect, it } from 'vitest';
import { isRepoId, parseRepoId } from './repo-id.js';

describe('repo ids', () => {
  it('accepts owner/name and refuses paths', () => {
    expect(isRepoId('HuggingFaceTB/SmolLM2-135M-Instruct')).toBe(true);
    expect(isRepoId('onnx-community/Qwen3-0.6B-ONNX')).toBe(true);
    for (const bad of ['gpt2', './a/b', '/a/b', 'a/b/c', '../b', 'a/..', 'a/', '@pio/model-llama', 'C:\\x/y']) {
      expect(isRepoId(bad), bad).toBe(false);
    }
    expect(parseRepoId('a/b')).toEqual({ owner: 'a', name: 'b' });
    expect(() => parseRepoId('a/b/c')).toThrow(/not a model repository id/);
  });
});
