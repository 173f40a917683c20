import { describe, expect, it } from 'vitest';
import { GraphError } from '../errors/graph-error.js';
import { ropeScalingFromConfig } from './decoder-options-from-config.js';
import { inverseFrequencies, maxRotaryTableValues, rotaryCaches, yarnAttentionFactor } from './rotary.js';

describe('rotary caches', () => {
  it('holds cos/sin of position × theta^(-2i/d) in [positions, d/2]', () => {
    const caches = rotaryCaches({ headDim: 8, maxPositions: 3, theta: 10000 });
    expect(caches.cos.length).toBe(12);
    expect(caches.rotaryDim).toBe(8);
    expect(caches.cos[0]).toBe(1);
    expect(caches.sin[4 + 0]).toBeCloseTo(Math.sin(1), 6);
    expect(caches.cos[2 * 4 + 1]).toBeCloseTo(Math.cos(2 / 10), 6);
    expect(caches.sin[2 * 4 + 3]).toBeCloseTo(Math.sin(2 / 10000 ** (6 / 8)), 6);
  });

  it('rotates only part of each head with partialRotaryFactor and scales with attentionFactor', () => {
    const caches = rotaryCaches({
      headDim: 16,
      maxPositions: 2,
      theta: 100,
      partialRotaryFactor: 0.5,
      attentionFactor: 2,
    });
    expect(caches.rotaryDim).toBe(8);
    expect(caches.cos.length).toBe(8);
    expect(caches.cos[0]).toBe(2);
    expect(caches.sin[4 + 1]).toBeCloseTo(2 * Math.sin(1 / 100 ** (2 / 8)), 6);
  });

  it('linear scaling divides every frequency; llama3 keeps high, divides low, blends the middle', () => {
    const plain = inverseFrequencies(64, 500000);
    expect(Array.from(inverseFrequencies(64, 500000, { type: 'linear', factor: 4 }))).toEqual(
      Array.from(plain, (f) => f / 4),
    );
    const scaled = inverseFrequencies(64, 500000, {
      type: 'llama3',
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    const wavelength = (f: number) => (2 * Math.PI) / f;
    let kept = 0;
    let divided = 0;
    let blended = 0;
    plain.forEach((f, i) => {
      const s = scaled[i] as number;
      if (wavelength(f) < 8192 / 4) {
        expect(s).toBe(f);
        kept++;
      } else if (wavelength(f) > 8192) {
        expect(s).toBeCloseTo(f / 8, 15);
        divided++;
      } else {
        expect(s).toBeGreaterThan(f / 8);
        expect(s).toBeLessThan(f);
        blended++;
      }
    });
    expect([kept > 0, divided > 0, blended > 0]).toEqual([true, true, true]);
  });

  it('yarn keeps fast frequencies, divides slow ones by the factor, ramps between, and scales cos/sin', () => {
    // rotaryDim 32, theta 10000, original context 64: beta_fast 32 puts the ramp's low end at
    // floor(32·ln(64 / (32·2π)) / (2·ln 10000)) = floor(-1.99) → 0, beta_slow 1 its high end at ceil(4.03) = 5.
    const scaling = {
      type: 'yarn',
      factor: 4,
      originalMaxPositionEmbeddings: 64,
      betaFast: 32,
      betaSlow: 1,
      truncate: true,
      attentionFactor: 1.5,
    } as const;
    const plain = inverseFrequencies(32, 10000);
    const yarn = inverseFrequencies(32, 10000, scaling);
    expect(yarn[0]).toBe(plain[0]);
    expect(yarn[4]).toBeCloseTo((plain[4]! / 4) * 0.8 + plain[4]! * 0.2, 12);
    for (let i = 5; i < 16; i++) expect(yarn[i]).toBeCloseTo(plain[i]! / 4, 12);
    const caches = rotaryCaches({ headDim: 32, maxPositions: 2, theta: 10000, scaling });
    expect(caches.cos[0]).toBe(1.5);
    expect(caches.sin[16 + 15]).toBeCloseTo(1.5 * Math.sin(Math.fround(plain[15]! / 4)), 6);
  });

  it('reads yarn from a config as transformers does: the factor from the two contexts, the cos/sin scale from mscale', () => {
    // DeepSeek-V3: 163840 / 4096 = 40; mscale = mscale_all_dim = 1, so cos/sin are not scaled.
    const deepseek = ropeScalingFromConfig(
      {
        ropeType: 'yarn',
        factor: 40,
        originalMaxPositionEmbeddings: 4096,
        mscale: 1,
        mscaleAllDim: 1,
        betaFast: 32,
        betaSlow: 1,
      },
      163840,
    );
    expect(deepseek).toEqual({
      type: 'yarn',
      factor: 40,
      originalMaxPositionEmbeddings: 4096,
      betaFast: 32,
      betaSlow: 1,
      truncate: true,
      attentionFactor: 1,
    });
    // No original context: the factor as written, max_position_embeddings as the original context, 0.1·ln(4) + 1.
    const plain = ropeScalingFromConfig({ ropeType: 'yarn', factor: 4 }, 8192);
    expect(plain).toMatchObject({
      factor: 4,
      originalMaxPositionEmbeddings: 8192,
      attentionFactor: 0.1 * Math.log(4) + 1,
    });
    expect(yarnAttentionFactor(8, 0.8, 1)).toBeCloseTo((0.08 * Math.log(8) + 1) / (0.1 * Math.log(8) + 1), 12);
    expect(yarnAttentionFactor(1)).toBe(1);
    expect(() => ropeScalingFromConfig({ ropeType: 'yarn', factor: 4 })).toThrow(/max_position_embeddings/);
    expect(() => ropeScalingFromConfig({ ropeType: 'dynamic', factor: 4 })).toThrow(/use none, linear, llama3 or yarn/);
  });

  it('refuses tables too large to build, and a position count that is not a whole number, with a typed error', () => {
    // 1e12 positions used to throw a bare RangeError (typed array length); 1e9 would allocate 64 GB.
    for (const maxPositions of [1e12, 1e9, maxRotaryTableValues / 8 + 1]) {
      let error: unknown;
      try {
        rotaryCaches({ headDim: 16, maxPositions, theta: 10000 });
      } catch (e) {
        error = e;
      }
      expect(GraphError.isInstance(error), String(error)).toBe(true);
      expect((error as GraphError).message).toContain(`rotary tables for ${maxPositions} positions × 8 frequencies`);
      expect((error as GraphError).hint).toContain('Lower maxContextLength');
    }
    for (const maxPositions of [0, 1.5, Number.NaN]) {
      expect(() => rotaryCaches({ headDim: 16, maxPositions, theta: 10000 })).toThrow(
        'it must be a whole number of positions >= 1',
      );
    }
    expect(rotaryCaches({ headDim: 16, maxPositions: 4096, theta: 10000 }).cos.length).toBe(4096 * 8);
  });
});
