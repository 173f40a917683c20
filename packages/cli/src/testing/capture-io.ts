import type { CliIo } from '../io.js';

/** A {@link CliIo} for tests: what a command writes is collected in `stdout` and `stderr`. */
export function captureIo(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = {
    cwd,
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}
