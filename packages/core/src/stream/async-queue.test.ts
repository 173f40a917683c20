import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './async-queue.js';

async function drain<T>(queue: AsyncQueue<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of queue) items.push(item);
  return items;
}

describe('AsyncQueue', () => {
  it('yields the items pushed before and after the consumer started, then ends', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    const drained = drain(queue);
    await Promise.resolve();
    queue.push(2);
    queue.push(3);
    queue.end();
    expect(await drained).toEqual([1, 2, 3]);
  });

  it('throws the failure after the items already pushed', async () => {
    const queue = new AsyncQueue<string>();
    const seen: string[] = [];
    queue.push('a');
    queue.fail(new Error('boom'));
    await expect(
      (async () => {
        for await (const item of queue) seen.push(item);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual(['a']);
  });

  it('ignores pushes and failures once ended', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.end();
    queue.push(2);
    queue.fail(new Error('late'));
    expect(await drain(queue)).toEqual([1]);
  });

  it('wakes a consumer waiting on an empty queue', async () => {
    const queue = new AsyncQueue<number>();
    const drained = drain(queue);
    setTimeout(() => {
      queue.push(7);
      queue.end();
    }, 5);
    expect(await drained).toEqual([7]);
  });
});
