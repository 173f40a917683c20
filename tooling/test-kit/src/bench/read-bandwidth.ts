import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const size = workerData.bytes / 2;
const a = Buffer.alloc(size, 1);
const b = Buffer.alloc(size, 1);
Buffer.compare(a, b); // touch every page before timing
parentPort.postMessage('ready');
parentPort.once('message', () => {
  const started = performance.now();
  for (let i = 0; i < workerData.repeats; i++) if (Buffer.compare(a, b) !== 0) throw new Error('buffers differ');
  parentPort.postMessage(performance.now() - started);
});
`;

/**
 * Memory read bandwidth in bytes per second, measured with `threads` worker
 * threads each scanning two equal buffers with `memcmp` (Buffer.compare) at
 * the same time: the decode bound of a memory-bound engine is this ÷ the
 * weight bytes read per token. Allocates `bytesPerThread` per thread.
 */
export async function measureReadBandwidth(threads = 2, bytesPerThread = 512 << 20, repeats = 6): Promise<number> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(workerSource, { eval: true, workerData: { bytes: bytesPerThread, repeats } }),
  );
  try {
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
    const started = performance.now();
    const times = await Promise.all(
      workers.map((worker) => {
        const done = new Promise<number>((resolve) => worker.once('message', resolve));
        worker.postMessage('go');
        return done;
      }),
    );
    const wall = Math.max(performance.now() - started, ...times);
    return (threads * bytesPerThread * repeats) / (wall / 1000);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
