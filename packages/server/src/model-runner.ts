import type { Worker } from 'node:worker_threads';
import { AsyncQueue, type ChatMessage, type GenerationDelta } from '@pio/core';
import { ModelUnavailableError, QueueFullError, WorkerError } from './errors.js';
import type { FromWorker, GenerateRequest, WorkerGenerateOptions, WorkerInit, WorkerModelInfo } from './protocol.js';
import { JobTimes, retryAfterSeconds } from './retry-after.js';
import { startWorker, type WorkerEntry } from './worker-url.js';

/** What one request asks a model for. */
export type GenerationInput =
  | { kind: 'completion'; prompt: string | { inputIds: number[] } }
  | { kind: 'chat'; messages: ChatMessage[] };

/** Counters of one model, as `/health` shows them. */
export interface ModelStats {
  /** `loading`, `ready`, or `failed` (the worker did not start or crashed). */
  state: 'loading' | 'ready' | 'failed';
  /** Generations running now (at most `maxRunning`). */
  running: number;
  /** Most generations sent to the worker at once (its plugin batches them). */
  maxRunning: number;
  /** Requests waiting for the worker. */
  queued: number;
  /** Most requests allowed to wait. */
  maxQueue: number;
  /** Generations that ran to a stop or length finish. */
  completed: number;
  /** Generations stopped because the client went away. */
  aborted: number;
  /** Generations that ended with an error. */
  failed: number;
}

interface Job {
  id: number;
  input: GenerationInput;
  options: WorkerGenerateOptions;
  channel: AsyncQueue<GenerationDelta>;
  abortFlag: Int32Array<SharedArrayBuffer>;
  startedAt: number;
}

/**
 * One model in its own worker thread, with a bounded FIFO queue in front of
 * it: up to `maxRunning` generations run at once (the worker's plugin decodes
 * them in batched steps), up to `maxQueue` wait, the rest are refused with
 * {@link QueueFullError}.
 */
export class ModelRunner {
  /** The model id clients name. */
  readonly id: string;
  private readonly maxQueue: number;
  private readonly worker: Worker;
  private readonly ready: Promise<WorkerModelInfo>;
  private readonly queue: Job[] = [];
  private readonly maxRunning: number;
  private readonly running = new Map<number, Job>();
  private nextId = 1;
  private state: ModelStats['state'] = 'loading';
  private failure: Error | undefined;
  private closing = false;
  private readonly exited: Promise<void>;
  private readonly jobTimes = new JobTimes();
  private readonly counts = { completed: 0, aborted: 0, failed: 0 };
  private info: WorkerModelInfo | undefined;

  /** Starts the worker; {@link ModelRunner.start} waits until the model is loaded. */
  constructor(options: { id: string; maxQueue: number; init: WorkerInit; entry: WorkerEntry; maxRunning?: number }) {
    this.id = options.id;
    this.maxQueue = options.maxQueue;
    // The plugin batches up to its runtime maxBatchSize (default 16): send that many at once.
    this.maxRunning = Math.max(1, options.maxRunning ?? options.init.runtime.maxBatchSize ?? 16);
    this.worker = startWorker(options.entry, { workerData: options.init });
    this.exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.ready = new Promise<WorkerModelInfo>((resolve, reject) => {
      this.worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          this.state = 'ready';
          this.info = message.info;
          resolve(message.info);
          // Requests may arrive while the model loads (the server listens first).
          this.pump();
        } else if (message.type === 'init-error') {
          const error = new WorkerError(message.error);
          this.fail(error);
          reject(error);
        } else this.onJobMessage(message);
      });
      this.worker.on('error', (error) => {
        const failure = new ModelUnavailableError({
          model: this.id,
          reason: `its worker thread crashed (${error.message})`,
          cause: error,
        });
        this.fail(failure);
        reject(failure);
      });
      this.worker.on('exit', (code) => {
        if (this.closing) return;
        const failure = new ModelUnavailableError({
          model: this.id,
          reason: `its worker thread exited with code ${code}`,
        });
        this.fail(failure);
        reject(failure);
      });
    });
    // Observed through start(); keep an unawaited rejection from crashing the process.
    this.ready.catch(() => {});
  }

  /** Waits until the model is loaded. @throws WorkerError or ModelUnavailableError when it cannot be. */
  start(): Promise<WorkerModelInfo> {
    return this.ready;
  }

  /** What the worker reported once loaded. */
  get modelInfo(): WorkerModelInfo | undefined {
    return this.info;
  }

  /** Counters for `/health`. */
  stats(): ModelStats {
    return {
      state: this.state,
      running: this.running.size,
      maxRunning: this.maxRunning,
      queued: this.queue.length,
      maxQueue: this.maxQueue,
      ...this.counts,
    };
  }

  /**
   * Queues a generation and returns its deltas; the stream throws the
   * worker's error (a {@link WorkerError}) if the generation fails. Aborting
   * `signal` removes a waiting request from the queue, or stops a running one
   * after its current token.
   *
   * @throws QueueFullError when `maxQueue` requests already wait.
   * @throws ModelUnavailableError when the worker failed.
   */
  generate(
    input: GenerationInput,
    options: WorkerGenerateOptions,
    signal?: AbortSignal,
  ): AsyncIterable<GenerationDelta> {
    if (this.failure) throw this.failure;
    if (this.closing) throw new ModelUnavailableError({ model: this.id, reason: 'the server is closing' });
    // A request runs at once only on a ready model with a free place; while the model loads, the queue is bounded too.
    const runsNow = this.state === 'ready' && this.running.size < this.maxRunning;
    if (!runsNow && this.queue.length >= this.maxQueue) {
      throw new QueueFullError({
        model: this.id,
        waiting: this.queue.length,
        retryAfterSeconds: retryAfterSeconds({
          queued: this.queue.length,
          meanMs: this.jobTimes.meanMs,
          runningForMs: this.oldestRunning(),
        }),
      });
    }
    const job: Job = {
      id: this.nextId++,
      input,
      options,
      channel: new AsyncQueue(),
      abortFlag: new Int32Array(new SharedArrayBuffer(4)),
      startedAt: 0,
    };
    if (signal) {
      const abort = () => this.abort(job);
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
    }
    this.queue.push(job);
    this.pump();
    return job.channel;
  }

  /** Stops the worker after the running generation; waiting requests fail. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const job of this.queue.splice(0))
      job.channel.fail(new ModelUnavailableError({ model: this.id, reason: 'the server is closing' }));
    for (const job of this.running.values()) Atomics.store(job.abortFlag, 0, 1);
    if (this.state === 'ready') this.worker.postMessage({ type: 'close' });
    // The model's sessions are released in the worker; give it a moment, then stop the thread.
    const timer = setTimeout(() => void this.worker.terminate(), this.state === 'ready' ? 5000 : 0);
    await this.exited;
    clearTimeout(timer);
  }

  private abort(job: Job): void {
    const index = this.queue.indexOf(job);
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.counts.aborted++;
      job.channel.end();
    } else if (this.running.get(job.id) === job) Atomics.store(job.abortFlag, 0, 1);
  }

  /** Milliseconds the longest-running generation has run, if any. */
  private oldestRunning(): number | undefined {
    let oldest: number | undefined;
    for (const job of this.running.values()) oldest = Math.min(oldest ?? job.startedAt, job.startedAt);
    return oldest === undefined ? undefined : performance.now() - oldest;
  }

  private pump(): void {
    while (this.state === 'ready' && this.running.size < this.maxRunning) {
      const job = this.queue.shift();
      if (!job) return;
      this.running.set(job.id, job);
      job.startedAt = performance.now();
      const request: GenerateRequest = {
        type: 'generate',
        id: job.id,
        input: job.input,
        options: job.options,
        abortFlag: job.abortFlag.buffer,
      };
      this.worker.postMessage(request);
    }
  }

  private onJobMessage(message: Exclude<FromWorker, { type: 'ready' | 'init-error' }>): void {
    const job = this.running.get(message.id);
    if (!job) return;
    if (message.type === 'delta') {
      if (message.delta.type === 'finish') {
        if (message.delta.finishReason === 'abort') this.counts.aborted++;
        else this.counts.completed++;
      }
      job.channel.push(message.delta);
    } else if (message.type === 'error') {
      this.counts.failed++;
      job.channel.fail(new WorkerError(message.error));
    } else {
      job.channel.end();
      this.jobTimes.add(performance.now() - job.startedAt);
      this.running.delete(job.id);
      this.pump();
    }
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.state = 'failed';
    for (const job of this.running.values()) job.channel.fail(error);
    this.running.clear();
    for (const job of this.queue.splice(0)) job.channel.fail(error);
  }
}
