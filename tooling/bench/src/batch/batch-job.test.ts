import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { timeLevel } from './batch-job.js';

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
