/** What {@link StopStringMatcher.push} decided. */
export interface StopMatch {
  /** Text that is safe to emit now. */
  text: string;
  /** True when a stop string was found; `text` ends just before it. */
  stopped: boolean;
}

/**
 * Finds stop strings in streamed text, across delta boundaries: text that
 * could be the start of a stop string is held back until the next delta
 * proves it is not, and the stop string itself is never emitted.
 */
export class StopStringMatcher {
  private readonly stops: readonly string[];
  private pending = '';

  /** Matches any of `stops` (empty strings are ignored). */
  constructor(stops: readonly string[]) {
    this.stops = stops.filter((stop) => stop.length > 0);
  }

  /** Feeds a text delta. */
  push(delta: string): StopMatch {
    if (this.stops.length === 0) return { text: delta, stopped: false };
    const buffer = this.pending + delta;
    let first = -1;
    for (const stop of this.stops) {
      const index = buffer.indexOf(stop);
      if (index !== -1 && (first === -1 || index < first)) first = index;
    }
    if (first !== -1) {
      this.pending = '';
      return { text: buffer.slice(0, first), stopped: true };
    }
    const hold = this.longestPrefixSuffix(buffer);
    this.pending = buffer.slice(buffer.length - hold);
    return { text: buffer.slice(0, buffer.length - hold), stopped: false };
  }

  /** Text held back at the end of the stream (it turned out not to be a stop string). */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of a stop string. */
  private longestPrefixSuffix(buffer: string): number {
    let best = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, buffer.length); length > best; length--) {
        if (buffer.endsWith(stop.slice(0, length))) {
          best = length;
          break;
        }
      }
    }
    return best;
  }
}
