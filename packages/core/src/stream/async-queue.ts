/**
 * A one-consumer async queue: a producer pushes items, then ends or fails it;
 * one consumer iterates them in order with `for await`. The engine's batch
 * loop hands each `generate` call its deltas through one; the server hands a
 * worker's deltas to the request that asked for them.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;

  /** Adds an item. Ignored after end or failure. */
  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake();
  }

  /** Ends the stream after the items already pushed. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Ends the stream with `error`, thrown after the items already pushed. Ignored after end or failure. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.ended = true;
    this.wake();
  }

  /** Yields the items as they come; returns at the end, throws the failure's error after the last item. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
