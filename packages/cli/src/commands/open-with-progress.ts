import type { CliIo } from '../io.js';
import { type RuntimeFlagOptions, runtimeFrom } from '../options/runtime-options.js';
import { createProgressDisplay, type ProgressDisplay } from '../progress.js';
import { type OpenedCheckpoint, openCheckpoint } from './open-checkpoint.js';

/** An opened checkpoint and the phases its loading went through. */
export interface OpenedWithProgress extends OpenedCheckpoint {
  /** Phases seen while loading (`build-graph` present means the graph was built, not read from the cache). */
  phases: ProgressDisplay['phases'];
}

/**
 * {@link openCheckpoint} with the runtime flags of the command and its
 * progress shown on stderr (bars on a terminal, one line per phase otherwise).
 */
export async function openWithProgress(
  io: CliIo,
  checkpoint: string,
  options: RuntimeFlagOptions,
  display: { quiet?: boolean } = {},
): Promise<OpenedWithProgress> {
  const progress = createProgressDisplay(io, display);
  try {
    const opened = await openCheckpoint(io, checkpoint, runtimeFrom(options), {
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      onProgress: progress.onProgress,
    });
    return { ...opened, phases: progress.phases };
  } finally {
    progress.stop();
  }
}
