import { vi } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from './capture-io.js';

/**
 * Starts `pio serve …args` in this process for a test and waits (up to a
 * minute: the first start builds the graph) until it prints its URL.
 *
 * @returns the base URL (`http://127.0.0.1:<port>`), the captured io, and the
 *   command's exit code once it is stopped (`process.emit('SIGTERM')`)
 */
export async function startServe(
  cwd: string,
  args: readonly string[],
): Promise<{ url: string; io: ReturnType<typeof captureIo>; exit: Promise<number> }> {
  const io = captureIo(cwd);
  const exit = runCli(['serve', ...args], io);
  const url = await vi.waitFor(
    () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(io.stdout);
      if (!match) throw new Error(`not listening yet: ${io.stderr}`);
      return match[1]!;
    },
    { timeout: 60_000, interval: 50 },
  );
  return { url, io, exit };
}
