import { describe, expect, it } from 'vitest';
import { slidingWindows } from './sliding-windows.js';

/** Positions each window scores. */
function scored(length: number, context: number, stride: number): number[] {
  return slidingWindows(length, context, stride).flatMap(({ begin, end, from }) =>
    Array.from({ length: end - begin - from }, (_, i) => begin + from + i),
  );
}

describe('slidingWindows', () => {
  it('follows the transformers perplexity guide: windows of `context` every `stride`, each scoring only its new tokens', () => {
    expect(slidingWindows(10, 4, 2)).toEqual([
      { begin: 0, end: 4, from: 1 },
      { begin: 2, end: 6, from: 2 },
      { begin: 4, end: 8, from: 2 },
      { begin: 6, end: 10, from: 2 },
    ]);
  });

  it('scores every token but the first exactly once, for any context and a stride below it', () => {
    for (const [length, context, stride] of [
      [2, 2, 1],
      [10, 4, 3],
      [11, 4, 3],
      [100, 16, 5],
      [7, 64, 32],
      [257, 256, 128],
    ] as const) {
      expect(scored(length, context, stride)).toEqual(Array.from({ length: length - 1 }, (_, i) => i + 1));
      for (const window of slidingWindows(length, context, stride)) {
        expect(window.end - window.begin).toBeLessThanOrEqual(context);
        expect(window.from).toBeGreaterThanOrEqual(1);
        expect(window.from).toBeLessThan(window.end - window.begin);
      }
    }
  });

  it('with stride = context, the windows are disjoint and the first token of each is context only', () => {
    expect(slidingWindows(10, 4, 4)).toEqual([
      { begin: 0, end: 4, from: 1 },
      { begin: 4, end: 8, from: 1 },
      { begin: 8, end: 10, from: 1 },
    ]);
    expect(scored(10, 4, 4)).toEqual([1, 2, 3, 5, 6, 7, 9]);
  });

  it('refuses texts under two tokens and strides outside [1, context]', () => {
    expect(() => slidingWindows(1, 4, 2)).toThrow(/at least 2 tokens/);
    expect(() => slidingWindows(10, 1, 1)).toThrow(/context/);
    expect(() => slidingWindows(10, 4, 5)).toThrow(/stride must be an integer in \[1, 4\]/);
    expect(() => slidingWindows(10, 4, 0)).toThrow(/stride/);
  });
});
