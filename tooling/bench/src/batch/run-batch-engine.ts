import { fileURLToPath } from 'node:url';
import { runJobProcess } from '../run-engine.js';
import type { BatchJob, BatchResult } from './batch-job.js';

const scripts = {
  pio: fileURLToPath(new URL('./pio-batch-engine.ts', import.meta.url)),
  'llama.cpp': fileURLToPath(new URL('./llama-cpp-batch-engine.ts', import.meta.url)),
} as const;

/**
 * Runs one batching job in a fresh Node process (see `runJobProcess`).
 *
 * @throws Error with the process's stderr when it fails.
 */
export function runBatchEngine(job: BatchJob): Promise<BatchResult> {
  return runJobProcess<BatchResult>(scripts[job.engine], job);
}
