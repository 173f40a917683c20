import { describe, expect, it } from 'vitest';
import { RandomCheckpointError } from '../errors/random-checkpoint-error.js';
import { shardLimitForCount } from './shard-limit-for-count.js';

describe('shardLimitForCount', () => {
  const sizes = new Map([
    ['c', 30],
    ['a', 100],
    ['b', 40],
    ['d', 30],
  ]);

  it('finds the smallest limit giving exactly the wanted number of shards, in name order', () => {
    // Name order a(100) b(40) c(30) d(30): [abcd] at 200; [a][bcd] at 100; [a][b][cd] at 60 (59 splits c|d);
    // at 1 every tensor is over the limit and alone.
    expect(shardLimitForCount(sizes, 1)).toBe(200);
    expect(shardLimitForCount(sizes, 2)).toBe(100);
    expect(shardLimitForCount(sizes, 3)).toBe(60);
    expect(shardLimitForCount(sizes, 4)).toBe(1);
  });

  it('throws a RandomCheckpointError when no limit gives that many shards', () => {
    expect(() => shardLimitForCount(sizes, 5)).toThrow(RandomCheckpointError);
    expect(() => shardLimitForCount(sizes, 0)).toThrow(/exactly 0 shards/);
  });
});
