import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { measureBatch, timeLevel } from './batch-job.js';

describe('timeLevel', () => {
  it('runs the level’s first prompts and sums their tokens over the wall time', async () => {
    const started: number[][] = [];
    async function* generate(prompt: readonly number[]): AsyncIterable<number> {
      started.push([...prompt]);
      for (let token = 0; token < prompt.length; token++) {
        await sleep(5);
        yield token;
      }
    }
    const prompts = [[1, 2, 3], [4, 5], [6], [7, 8, 9, 10]];
    const level = await timeLevel(3, prompts, generate);
    expect(started).toEqual(prompts.slice(0, 3));
    expect(level.sequences).toBe(3);
    expect(level.tokens).toBe(6);
    expect(level.tokensPerSecond).toBeCloseTo((6 / level.wallMs) * 1000, 6);
    expect(level.timeToFirstTokenMs).toHaveLength(3);
    expect([...level.timeToFirstTokenMs].sort((a, b) => a - b)).toEqual(level.timeToFirstTokenMs);
  });
});

describe('measureBatch', () => {
  it('opens each level, warms it up on the second half of the prompts, times the first half, then disposes', async () => {
    const events: string[] = [];
    const prompts = [[1], [2, 2], [3, 3, 3], [4], [5, 5], [6, 6, 6]];
    const result = await measureBatch(
      { levels: [1, 3], prompts },
      {
        engine: 'llama.cpp',
        async openLevel(sequences) {
          events.push(`open ${sequences}`);
          return {
            async *generate(prompt) {
              events.push(`generate ${prompt[0]}`);
              yield* prompt;
            },
            dispose: async () => {
              events.push(`dispose ${sequences}`);
            },
          };
        },
        dispose: async () => {
          events.push('dispose engine');
        },
      },
    );
    expect(events).toEqual([
      'open 1',
      'generate 4',
      'generate 1',
      'dispose 1',
      'open 3',
      'generate 4',
      'generate 5',
      'generate 6',
      'generate 1',
      'generate 2',
      'generate 3',
      'dispose 3',
      'dispose engine',
    ]);
    expect(Object.keys(result)).toEqual(['engine', 'levels', 'peakRssBytes']);
    expect(result.engine).toBe('llama.cpp');
    expect(result.levels.map((level) => [level.sequences, level.tokens])).toEqual([
      [1, 1],
      [3, 6],
    ]);
    expect(result.peakRssBytes).toBeGreaterThan(0);
  });

  it('runs levels whose session has nothing to dispose', async () => {
    const result = await measureBatch(
      { levels: [2], prompts: [[1], [2], [3], [4]] },
      {
        engine: 'pio',
        openLevel: async () => ({
          async *generate(prompt) {
            yield* prompt;
          },
        }),
        dispose: async () => {},
      },
    );
    expect(result.levels).toHaveLength(1);
    expect(result.levels[0]?.tokens).toBe(2);
  });
});
