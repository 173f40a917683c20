import { describe, expect, it } from 'vitest';
import { applyRotaryEmbedding, ropeAttentionFactor, ropeInverseFrequencies } from './rope.js';

// Llama 3.2's RoPE settings (config.json of Llama-3.2-1B).
const llama32 = {
  headDim: 64,
  ropeTheta: 500000,
  ropeScaling: {
    type: 'llama3',
    factor: 32,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositionEmbeddings: 8192,
  },
} as const;

describe('ropeInverseFrequencies', () => {
  it('computes theta^(-2i/d) without scaling, rounded to float32', () => {
    const frequencies = ropeInverseFrequencies({ headDim: 8, ropeTheta: 10000, ropeScaling: { type: 'default' } });
    expect([...frequencies]).toEqual([1, 0.1, 0.01, 0.001].map(Math.fround));
  });

  it('divides every frequency by the factor for linear scaling', () => {
    const frequencies = ropeInverseFrequencies({
      headDim: 4,
      ropeTheta: 100,
      ropeScaling: { type: 'linear', factor: 4 },
    });
    expect([...frequencies]).toEqual([0.25, 0.025].map(Math.fround));
  });

  it('matches hand-computed llama3 values: kept, blended and divided bands', () => {
    const frequencies = ropeInverseFrequencies(llama32);
    expect(frequencies).toHaveLength(32);
    // i = 0: wavelength 2π < 8192/4, kept.
    expect(frequencies[0]).toBe(1);
    // i = 14: 500000^(-28/64), wavelength 1956.5 < 2048, kept.
    expect(frequencies[14]! / 500000 ** (-28 / 64)).toBeCloseTo(1, 6);
    // i = 16: 1/sqrt(500000), wavelength 2π·sqrt(500000) = 4442.88 lies in [2048, 8192]: blended with
    // smooth = (8192 / 4442.88 - 1) / (4 - 1) = 0.2812826, giving f · ((1 - smooth)/32 + smooth).
    const smooth = (8192 / (2 * Math.PI * Math.sqrt(500000)) - 1) / 3;
    expect(smooth).toBeCloseTo(0.2812826, 6);
    expect(frequencies[16]! / ((1 / Math.sqrt(500000)) * ((1 - smooth) / 32 + smooth))).toBeCloseTo(1, 6);
    expect(frequencies[16]).toBeCloseTo(4.295568e-4, 9);
    // i = 18: wavelength 10089 > 8192, divided by 32.
    expect(frequencies[18]! / (500000 ** (-36 / 64) / 32)).toBeCloseTo(1, 6);
    // i = 31: divided by 32.
    expect(frequencies[31]! / (500000 ** (-62 / 64) / 32)).toBeCloseTo(1, 6);

    const plain = ropeInverseFrequencies({ ...llama32, ropeScaling: { type: 'default' } });
    const kept = [...frequencies].filter((value, i) => value === plain[i]).length;
    const divided = [...frequencies].filter((value, i) => Math.abs(value / (plain[i]! / 32) - 1) < 1e-6).length;
    expect([kept, 32 - kept - divided, divided]).toEqual([15, 3, 14]);
  });
});

describe('yarn', () => {
  const yarn = {
    type: 'yarn',
    factor: 4,
    configFactor: 4,
    originalMaxPositionEmbeddings: 64,
    betaFast: 32,
    betaSlow: 1,
    truncate: true,
  } as const;

  it('keeps the fastest frequency, divides the slowest by the factor, and ramps linearly between', () => {
    const plain = ropeInverseFrequencies({ headDim: 32, ropeTheta: 10000, ropeScaling: { type: 'default' } });
    const scaled = ropeInverseFrequencies({ headDim: 32, ropeTheta: 10000, ropeScaling: yarn });
    expect(scaled[0]).toBe(plain[0]);
    expect(scaled[15]).toBe(Math.fround(plain[15]! / 4));
    // The ramp: 0 at dimension 0, 1 from dimension 5 (ceil(32·ln(64/2π) / (2·ln 10000)) = ceil(4.03)).
    expect(scaled[2]).toBeCloseTo(Math.fround(plain[2]! * 0.6 + (plain[2]! / 4) * 0.4), 7);
    expect(scaled[5]).toBe(Math.fround(plain[5]! / 4));
  });

  it('scales cos and sin by attention_factor, the mscale ratio, or 0.1·ln(factor) + 1', () => {
    expect(ropeAttentionFactor(yarn)).toBeCloseTo(1.1386294, 6);
    expect(ropeAttentionFactor({ ...yarn, mscale: 1, mscaleAllDim: 1 })).toBe(1);
    expect(ropeAttentionFactor({ ...yarn, attentionFactor: 0.5 })).toBe(0.5);
    expect(ropeAttentionFactor({ type: 'linear', factor: 4 })).toBe(1);
  });
});

describe('applyRotaryEmbedding', () => {
  it('rotates pair (i, i + d/2) by position × frequency i, rotate-half style', () => {
    const frequencies = ropeInverseFrequencies({ headDim: 4, ropeTheta: 10000, ropeScaling: { type: 'default' } });
    const head = new Float32Array([9, 1, 2, 3, 4, 9]);
    applyRotaryEmbedding(head, 1, frequencies, 3);
    // Pairs (1, 3) at angle 3 and (2, 4) at angle 3 × 0.01.
    const a = 3;
    const b = Math.fround(0.01) * 3;
    const expected = [
      9,
      Math.cos(a) - 3 * Math.sin(a),
      2 * Math.cos(b) - 4 * Math.sin(b),
      3 * Math.cos(a) + Math.sin(a),
      4 * Math.cos(b) + 2 * Math.sin(b),
      9,
    ];
    for (let i = 0; i < head.length; i++) expect(head[i]).toBeCloseTo(expected[i]!, 6);
  });

  it('leaves position 0 unchanged and preserves the norm elsewhere', () => {
    const frequencies = ropeInverseFrequencies(llama32);
    const head = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i + 1));
    const original = head.slice();
    applyRotaryEmbedding(head, 0, frequencies, 0);
    expect(head).toEqual(original);
    applyRotaryEmbedding(head, 0, frequencies, 1234);
    const norm = (values: Float32Array) => Math.hypot(...values);
    expect(norm(head)).toBeCloseTo(norm(original), 4);
    expect(head).not.toEqual(original);
  });
});
