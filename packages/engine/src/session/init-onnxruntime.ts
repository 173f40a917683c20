import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { PioError } from '@pio/core';
import * as ort from 'onnxruntime-node';

/**
 * Command lines up to this many bytes let onnxruntime initialize on any
 * thread, a worker's default 4 MiB stack included (which holds ~14 KB).
 */
export const safeCommandLineBytes = 8 * 1024;

// onnxruntime-node 1.30 creates its process-wide environment on the first
// session and runs a recursive std::regex over /proc/self/cmdline there: about
// 290 bytes of native stack per byte of command line (the main thread's 8 MiB
// stack overflows at ~29 KB: SIGSEGV). Twice that, to be safe.
const stackBytesPerCommandLineByte = 512;

// y = Identity(x), float [1], IR 8, opset 13: the bytes of `identityModelBytes()` of `pio doctor`.
const identityModel =
  'CAg6PAoQCgF4EgF5IghJZGVudGl0eRIGZG9jdG9yWg8KAXgSCgoICAESBAoCCAFiDwoBeRIKCggIARIECgIIAUIECgAQDQ==';

// CommonJS, run with `eval`: loads the same onnxruntime-node file as this module and creates one tiny session.
const warmUpSource = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.onnxruntime);
if (workerData.logLevel) ort.env.logLevel = workerData.logLevel;
ort.InferenceSession.create(Buffer.from(workerData.model, 'base64'))
  .then((session) => session.release())
  .then(() => parentPort.postMessage('ready'));
`;

let initialized: Promise<void> | undefined;

/**
 * Bytes of this process's command line as onnxruntime reads it
 * (`/proc/self/cmdline`; elsewhere, the sum of the arguments).
 */
export function commandLineBytes(): number {
  try {
    return readFileSync('/proc/self/cmdline').length;
  } catch {
    return [process.argv0, ...process.execArgv, ...process.argv.slice(1)].reduce(
      (total, arg) => total + Buffer.byteLength(arg) + 1,
      0,
    );
  }
}

/**
 * The native stack, in MiB, onnxruntime's first session needs with a
 * command line of `bytes`.
 */
export function stackSizeMbFor(bytes: number): number {
  return Math.ceil((bytes * stackBytesPerCommandLineByte) / 2 ** 20) + 16;
}

/**
 * Makes the process ready for onnxruntime sessions, once. With a command line
 * over {@link safeCommandLineBytes} (a long prompt passed as an argument),
 * onnxruntime's environment is created on a short-lived worker thread whose
 * stack is sized for it ({@link stackSizeMbFor}): the environment is
 * process-wide, so sessions on any thread then skip that step, where the
 * calling thread's stack would overflow and kill the process. Costs one
 * worker start (~50 ms measured with a 50 KB argument) only in that case; otherwise does nothing.
 *
 * @throws PioError `PIO_COMMAND_LINE_TOO_LONG` when the worker cannot do it.
 */
export function initOnnxruntime(): Promise<void> {
  initialized ??= initialize();
  return initialized;
}

async function initialize(): Promise<void> {
  const bytes = commandLineBytes();
  if (bytes <= safeCommandLineBytes) return;
  const stackSizeMb = stackSizeMbFor(bytes);
  try {
    const worker = new Worker(warmUpSource, {
      eval: true,
      workerData: {
        onnxruntime: createRequire(import.meta.url).resolve('onnxruntime-node'),
        model: identityModel,
        logLevel: ort.env.logLevel,
      },
      resourceLimits: { stackSizeMb },
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the worker exited with code ${code}`)));
    });
    await worker.terminate();
  } catch (error) {
    throw new PioError({
      code: 'PIO_COMMAND_LINE_TOO_LONG',
      message: `Could not prepare onnxruntime for a command line of ${bytes} bytes on a thread with a ${stackSizeMb} MiB stack: ${(error as Error)?.message ?? String(error)}`,
      hint: 'Pass long prompts in a file or on stdin (pio run: --prompt-file FILE, or - to read stdin) instead of as arguments.',
      cause: error,
    });
  }
}
