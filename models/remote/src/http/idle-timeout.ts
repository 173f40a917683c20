/**
 * An abort signal that fires after `ms` without {@link IdleTimeout.touch}:
 * a deadline for the response headers, then for each next piece of a
 * stream, so a long generation that keeps streaming is never cut off while
 * a silent server is.
 */
export class IdleTimeout {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** True once the deadline has passed. */
  fired = false;

  /** Starts the clock. */
  constructor(private readonly ms: number) {
    this.touch();
  }

  /** The signal that aborts when the deadline passes. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Restarts the clock (something arrived). */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new DOMException(`no answer within ${this.ms} ms`, 'TimeoutError'));
    }, this.ms);
  }

  /** Stops the clock for good. */
  clear(): void {
    clearTimeout(this.timer);
  }
}
