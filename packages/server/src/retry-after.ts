/** How many finished generations {@link JobTimes} remembers. */
const window = 16;

/**
 * Durations of a model's recent generations, for the `Retry-After` of a 429:
 * a plain mean of the last few, so one slow request long ago does not
 * inflate the estimate and no made-up starting figure weighs on it.
 */
export class JobTimes {
  private readonly recent: number[] = [];

  /** Records one finished generation (completed, stopped or aborted), in milliseconds. */
  add(ms: number): void {
    this.recent.push(ms);
    if (this.recent.length > window) this.recent.shift();
  }

  /** The mean of the recent durations in milliseconds, or undefined before the first one. */
  get meanMs(): number | undefined {
    if (this.recent.length === 0) return undefined;
    return this.recent.reduce((sum, ms) => sum + ms, 0) / this.recent.length;
  }
}

/**
 * Seconds until a model's queue has drained: what the running generation
 * still needs plus one mean generation per waiting request, at least 1.
 * Before any generation has finished, the running one's time so far stands
 * in for the mean (it is a lower bound of its own duration).
 */
export function retryAfterSeconds(options: {
  /** Requests waiting. */
  queued: number;
  /** Mean duration of recent generations, when any finished. */
  meanMs: number | undefined;
  /** How long the running generation has run, when one runs. */
  runningForMs: number | undefined;
}): number {
  const runningFor = options.runningForMs ?? 0;
  const mean = options.meanMs ?? runningFor;
  const remaining = options.runningForMs === undefined ? 0 : Math.max(0, mean - runningFor);
  const seconds = Math.ceil((remaining + options.queued * mean) / 1000);
  return Math.max(1, seconds);
}
