/** Where a command reads and writes: stdout for results, stderr for messages. Tests pass their own. */
export interface CliIo {
  /** Results (tables, JSON, generated text). */
  out(text: string): void;
  /** Messages, warnings and errors. */
  err(text: string): void;
  /** The working directory commands resolve paths against. */
  cwd: string;
  /** Interactive input (`pio chat`); the process's stdin when absent. */
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The stream behind {@link err}, when there is one: progress bars are drawn on it when it is a terminal. */
  errStream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The {@link CliIo} of this process. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    input: process.stdin,
    errStream: process.stderr,
  };
}
