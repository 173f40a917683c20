import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The worker's code, CommonJS, run with `eval`: a separate worker file would
 * need its own build entry and, under the test runner's TypeScript sources,
 * a loader. It hashes each file exactly as `hashFile` does (XXH3-64, seed
 * 0, 8 MiB chunks through one buffer) and posts the digests, or the error.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { xxh3 } = require(workerData.xxhash);
const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
try {
  const digests = workerData.files.map((file) => {
    const fd = openSync(file, 'r');
    try {
      const hasher = xxh3.Xxh3.withSeed();
      for (let position = 0; ; ) {
        const bytesRead = readSync(fd, buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        hasher.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
        position += bytesRead;
      }
      return hasher.digest().toString(16).padStart(16, '0');
    } finally {
      closeSync(fd);
    }
  });
  parentPort.postMessage({ digests });
} catch (error) {
  parentPort.postMessage({ error: { message: String(error && error.message), code: error && error.code } });
}
`;

/**
 * XXH3-64 digests of `files` (16 hex digits each, in order), computed on a
 * worker thread: the caller's thread stays free for work that blocks it
 * (onnxruntime creating a session, a tokenizer being built), so a cached
 * start hashes its build on the second core instead of before everything
 * else. The same digests as `hashFile`.
 *
 * @throws the file system error of the first file that cannot be read (with
 *   its `code`), or the worker's own failure.
 */
export function hashFilesInWorker(files: readonly string[]): Promise<string[]> {
  const xxhash = createRequire(import.meta.url).resolve('@node-rs/xxhash');
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, { eval: true, workerData: { files: [...files], xxhash } });
    let settled = false;
    worker.once('message', (message: { digests?: string[]; error?: { message: string; code?: string } }) => {
      settled = true;
      if (message.digests) resolve(message.digests);
      else reject(Object.assign(new Error(message.error?.message ?? 'hashing failed'), { code: message.error?.code }));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the hashing worker exited with code ${code} before answering`));
    });
  });
}
