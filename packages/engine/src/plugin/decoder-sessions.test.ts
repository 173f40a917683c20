import { DecoderConfig } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { decoderCacheShape } from './decoder-sessions.js';

describe('decoderCacheShape', () => {
  const config = new DecoderConfig({ numKeyValueHeads: 2, headDim: 16 });

  it('is K and V of numKeyValueHeads * headDim by default', () => {
    expect(decoderCacheShape({}, config)).toEqual({ keyRowSize: 32, valueRowSize: 32 });
  });

  it("is the definition's own when it declares one", () => {
    expect(decoderCacheShape({ cacheShape: () => ({ keyRowSize: 576, valueRowSize: 0 }) }, config)).toEqual({
      keyRowSize: 576,
      valueRowSize: 0,
    });
  });
});
