import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

/** Jiffies per second of `/proc/stat` (USER_HZ, 100 on every Linux build that matters). */
const jiffiesPerSecond = 100;

/**
 * Starts watching how much of the machine other processes use, to tell a
 * clean measurement from one that shared the CPU: busy time of all CPUs from
 * `/proc/stat`, minus this process's own CPU time, over the wall time times
 * the number of CPUs.
 *
 * @returns A function that gives the share (0 to 1) since the start, or
 *   undefined where `/proc/stat` does not exist (not Linux).
 */
export function watchOtherCpuShare(): () => number | undefined {
  const start = readBusySeconds();
  const startOwn = process.cpuUsage();
  const startWall = performance.now();
  return () => {
    const end = readBusySeconds();
    if (start === undefined || end === undefined) return undefined;
    const own = process.cpuUsage(startOwn);
    const ownSeconds = (own.user + own.system) / 1e6;
    const wallSeconds = (performance.now() - startWall) / 1000;
    const share = (end - start - ownSeconds) / (wallSeconds * availableParallelism());
    return Math.min(1, Math.max(0, share));
  };
}

/** Busy seconds of all CPUs since boot (everything but idle and iowait). */
function readBusySeconds(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(0, stat.indexOf('\n')).trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / jiffiesPerSecond;
}

/** How long to wait for other processes to leave the CPU before a measurement. */
export interface IdleWait {
  /** Share of the machine's CPU (0 to 1) other processes may use in a window. */
  maxOtherCpuShare: number;
  /** Length of one observation window, milliseconds. */
  windowMs: number;
  /** Give up (and measure anyway) after this long, milliseconds. */
  timeoutMs: number;
}

/**
 * Waits until other processes used at most `maxOtherCpuShare` of the CPU
 * during one window, or until the timeout; on shared machines, load comes
 * in bursts (test runs), so a short wait often gives a clean measurement.
 *
 * @returns How long it waited, and the share of the last window (null where it cannot be known).
 */
export async function waitForIdleCpu(wait: IdleWait): Promise<{ waitedMs: number; otherCpuShare: number | null }> {
  const started = performance.now();
  for (;;) {
    const watch = watchOtherCpuShare();
    await new Promise((resolve) => setTimeout(resolve, wait.windowMs));
    const share = watch();
    const waitedMs = performance.now() - started;
    if (share === undefined) return { waitedMs, otherCpuShare: null };
    if (share <= wait.maxOtherCpuShare || waitedMs >= wait.timeoutMs) return { waitedMs, otherCpuShare: share };
  }
}
