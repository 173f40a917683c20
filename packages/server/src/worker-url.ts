import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** How a model worker thread is started. */
export interface WorkerEntry {
  /** The worker module: `model-worker.js`, or `model-worker.ts` when running from sources. */
  url: URL;
  /** Node options of the worker thread (for example `--conditions=@pio/source`). */
  execArgv: string[];
}

/**
 * The model worker next to this module: `model-worker.js` in `dist/`. When
 * this module runs from TypeScript sources (tests, `node --import tsx`), the
 * worker is `model-worker.ts`, started with the `@pio/source` condition
 * (see {@link startWorker} for how `.ts` is loaded).
 */
export function defaultWorkerEntry(): WorkerEntry {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { url: new URL('./model-worker.js', here), execArgv: [] };
  return { url: new URL('./model-worker.ts', here), execArgv: ['--conditions=@pio/source'] };
}

/**
 * Starts a worker thread on `entry`. A worker is plain Node: on Node 20 an
 * `--import tsx` in its `execArgv` registers the hooks too late for the
 * worker's own module, so a `.ts` entry is loaded through tsx's `tsImport`
 * from a two-line bootstrap (tsx is a development dependency of the
 * repository; published builds run `model-worker.js` directly).
 */
export function startWorker(entry: WorkerEntry, options: Omit<WorkerOptions, 'execArgv' | 'eval'>): Worker {
  if (!entry.url.pathname.endsWith('.ts')) return new Worker(entry.url, { ...options, execArgv: entry.execArgv });
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const target = JSON.stringify(entry.url.href);
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${target}, ${target}));`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: entry.execArgv });
}
