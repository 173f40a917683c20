/** Where a command writes: stdout for results, stderr for messages. Tests pass their own. */
export interface CliIo {
  /** Results (tables, JSON, generated text). */
  out(text: string): void;
  /** Messages, warnings and errors. */
  err(text: string): void;
  /** The working directory commands resolve paths against. */
  cwd: string;
}

/** The {@link CliIo} of this process. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    cwd: process.cwd(),
  };
}
