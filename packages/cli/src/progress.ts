import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import type { ProgressCallback, ProgressEvent } from '@pio/core';
import type { CliIo } from './io.js';

/** What a phase did, once it finished. */
export interface FinishedPhase {
  /** The phase, for example `build-graph`. */
  phase: string;
  /** Its last event's `total` (layers, bytes, ...). */
  total: number;
  /** Its unit, when the plugin gave one. */
  unit?: string;
  /** Milliseconds from its start (its first event, or the event before when that one already reports progress) to its last event. */
  ms: number;
  /** `performance.now()` at its start. */
  startedAt: number;
}

/** Shows a plugin's `onProgress` events; {@link createProgressDisplay} makes one. */
export interface ProgressDisplay {
  /** Pass this to `initialize`/`activate`. */
  onProgress: ProgressCallback;
  /** Every phase seen so far, finished or not, by name. */
  readonly phases: ReadonlyMap<string, FinishedPhase & { finished: boolean }>;
  /** Stops any bar still drawn (call it in `finally`). */
  stop(): void;
}

const phaseLabels: Record<string, string> = {
  'build-graph': 'Building the graph',
  'create-session': 'Creating the onnxruntime session',
  'read-weights': 'Reading the weights',
};

/** A human label of a phase name (`build-graph` → `Building the graph`). */
export function phaseLabel(phase: string): string {
  return phaseLabels[phase] ?? phase.replace(/-/g, ' ').replace(/^./, (first) => first.toUpperCase());
}

/**
 * Shows progress events on stderr: a `cli-progress` bar per phase when stderr
 * is a terminal, otherwise one plain line when a phase finishes (so logs stay
 * readable). Phases with `total` 1 (a single step) get no bar, only the line.
 * Events of phase `notice` print their `message` as one line.
 *
 * @param io - Where to write; its `errStream` decides between bars and lines.
 * @param options - `quiet`: record phases but print nothing; `lines: false`: bars only, no line when a phase ends.
 */
export function createProgressDisplay(io: CliIo, options: { quiet?: boolean; lines?: boolean } = {}): ProgressDisplay {
  const phases = new Map<string, FinishedPhase & { finished: boolean }>();
  const stream = io.errStream?.isTTY ? io.errStream : undefined;
  let bar: cliProgress.SingleBar | undefined;
  let barPhase: string | undefined;
  // A phase whose first event already reports progress (build-graph's first
  // event is "layer 1 done") began when the previous event was seen.
  let lastEventAt = performance.now();

  const stopBar = () => {
    bar?.stop();
    bar = undefined;
    barPhase = undefined;
  };

  const onProgress = (event: ProgressEvent) => {
    // A one-line notice (a damaged build being rebuilt, a wait for another process's build), not a phase.
    if (event.phase === 'notice') {
      if (!options.quiet && event.message) {
        stopBar();
        io.err(`${event.message}\n`);
      }
      return;
    }
    const now = performance.now();
    let state = phases.get(event.phase);
    if (!state || state.finished) {
      const startedAt = event.completed > 0 ? lastEventAt : now;
      state = { phase: event.phase, total: event.total, ms: 0, finished: false, startedAt };
      if (event.unit) state.unit = event.unit;
      phases.set(event.phase, state);
    }
    lastEventAt = now;
    state.total = event.total;
    state.ms = now - state.startedAt;
    const finished = event.total > 0 && event.completed >= event.total;
    if (options.quiet) {
      state.finished = finished;
      return;
    }
    if (stream && event.total > 1) {
      if (barPhase !== event.phase) {
        stopBar();
        bar = new cliProgress.SingleBar(
          {
            stream: stream as NodeJS.WritableStream & { isTTY: true },
            format: `${phaseLabel(event.phase)} [{bar}] {value}/{total} ${event.unit ?? ''}`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(event.total, event.completed);
        barPhase = event.phase;
      } else {
        bar?.setTotal(event.total);
        bar?.update(event.completed);
      }
    }
    if (finished && !state.finished) {
      state.finished = true;
      if (barPhase === event.phase) stopBar();
      if (options.lines === false) return;
      const amount = event.total > 1 ? ` (${event.total}${event.unit ? ` ${event.unit}` : ''})` : '';
      io.err(`${phaseLabel(event.phase)}${amount}: ${formatMs(state.ms)}\n`);
    }
  };

  return { onProgress, phases, stop: stopBar };
}

/** `850 ms` or `1.2 s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
