import { ConfigError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { applyPenalties, filterCandidates, Sampler, TokenHistory } from './sampler.js';

const logits = (...values: number[]) => Float32Array.from(values);

describe('filterCandidates', () => {
  // Weights exp(l - max) for logits [2, 1, 0, -1]: 1, e^-1, e^-2, e^-3.
  const row = logits(0, 2, -1, 1);
  const probability = (ids: number[]) => {
    const weights = ids.map((id) => Math.exp(row[id]! - 2));
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / total);
  };

  it('keeps all tokens without filters (in id order: nothing needs sorting)', () => {
    const c = filterCandidates(row, {});
    expect([...c.ids]).toEqual([0, 1, 2, 3]);
    expect([...c.weights].map((w) => w / c.total)).toEqual(probability([0, 1, 2, 3]).map((p) => expect.closeTo(p, 12)));
  });

  it('top-k keeps the k most likely', () => {
    expect([...filterCandidates(row, { topK: 2 }).ids]).toEqual([1, 3]);
  });

  it('top-p keeps the smallest set reaching p, including the token that crosses it', () => {
    const [p1, p3] = probability([1, 3, 0, 2]);
    expect([...filterCandidates(row, { topP: p1! - 1e-6 }).ids]).toEqual([1]);
    expect([...filterCandidates(row, { topP: p1! + 1e-6 }).ids]).toEqual([1, 3]);
    expect([...filterCandidates(row, { topP: p1! + p3! + 1e-6 }).ids]).toEqual([1, 3, 0]);
  });

  it('min-p drops tokens below minP times the top probability', () => {
    // Ratios to the top: 1, e^-1 = 0.368, e^-2 = 0.135, e^-3 = 0.050.
    expect([...filterCandidates(row, { minP: 0.2 }).ids]).toEqual([1, 3]);
    expect([...filterCandidates(row, { minP: 0.1 }).ids]).toEqual([0, 1, 3]);
    expect([...filterCandidates(row, { minP: 0.1, topK: 4 }).ids]).toEqual([1, 3, 0]);
  });

  it('temperature sharpens or flattens the weights', () => {
    const cold = filterCandidates(row, { temperature: 0.5, topK: 4 });
    expect(cold.weights[1]! / cold.weights[0]!).toBeCloseTo(Math.exp(-2), 12);
    const hot = filterCandidates(row, { temperature: 2, topK: 4 });
    expect(hot.weights[1]! / hot.weights[0]!).toBeCloseTo(Math.exp(-0.5), 12);
  });
});

describe('applyPenalties', () => {
  it('divides positive and multiplies negative logits of seen tokens (repetition penalty)', () => {
    const row = logits(2, -2, 2, -2);
    applyPenalties(row, new TokenHistory([0, 1]), { repetitionPenalty: 2 });
    expect([...row]).toEqual([1, -4, 2, -2]);
  });

  it('subtracts presence once and frequency per occurrence of generated tokens', () => {
    const history = new TokenHistory([3]);
    history.add(0);
    history.add(0);
    history.add(1);
    const row = logits(1, 1, 1, 1);
    applyPenalties(row, history, { presencePenalty: 0.5, frequencyPenalty: 0.25 });
    expect([...row]).toEqual([1 - 0.5 - 0.5, 1 - 0.5 - 0.25, 1, 1]);
  });
});

describe('Sampler', () => {
  it('is greedy at temperature 0', () => {
    const sampler = new Sampler({ temperature: 0 });
    expect(sampler.sample(logits(0, 3, 1), new TokenHistory())).toBe(1);
  });

  it('gives the same tokens for the same seed and different ones for another seed', () => {
    const draw = (seed: number) => {
      const sampler = new Sampler({ seed, temperature: 1 });
      return Array.from({ length: 64 }, () => sampler.sample(logits(0, 0.5, 1, 0.2, 0.9), new TokenHistory()));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws in proportion to the probabilities', () => {
    const sampler = new Sampler({ seed: 7 });
    const counts = [0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampler.sample(logits(0, Math.log(3)), new TokenHistory())]!++;
    expect(counts[1]! / n).toBeCloseTo(0.75, 1.5);
  });

  it('never draws a filtered-out token', () => {
    const sampler = new Sampler({ seed: 1, topK: 2 });
    for (let i = 0; i < 500; i++) expect([1, 3]).toContain(sampler.sample(logits(0, 2, -1, 1.9), new TokenHistory()));
  });

  it('rejects settings out of range', () => {
    expect(() => new Sampler({ topP: 0 })).toThrow(/topP/);
    expect(() => new Sampler({ temperature: -1 })).toThrow(/temperature/);
    expect(() => new Sampler({ topK: 1.5 })).toThrow(/topK/);
    expect(() => new Sampler({ minP: 2 })).toThrow(/minP/);
    expect(() => new Sampler({ repetitionPenalty: 0 })).toThrow(/repetitionPenalty/);
  });

  it('lists every bad setting in one typed ConfigError', () => {
    let error: unknown;
    try {
      new Sampler({ topP: 2, temperature: -1 });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues.map((issue) => issue.field)).toEqual(['temperature', 'topP']);
  });
});
