// The worker thread that owns one model. onnxruntime-node's `session.run`
// blocks the thread it runs on, so inference lives here and the HTTP thread
// stays free. Generations run concurrently: the plugin batches them (continuous
// batching); the main thread bounds how many are sent and queues the rest.
import { parentPort, workerData } from 'node:worker_threads';
import { type GenerationDelta, openTextModel, PioError, type PluginManager, type TextModelPlugin } from '@pio/core';
import type { FromWorker, GenerateRequest, ToWorker, WorkerInit, WorkerModelInfo } from './protocol.js';
import { serializeError } from './serialize-error.js';

if (!parentPort) throw new Error('@pio/server model-worker.js runs only as a worker thread');
const port = parentPort;
const init = workerData as WorkerInit;
const post = (message: FromWorker) => port.postMessage(message);

async function open(): Promise<{ manager: PluginManager; plugin: TextModelPlugin; info: WorkerModelInfo }> {
  const model = await openTextModel({
    checkpoint: init.checkpoint,
    roots: init.roots,
    conditions: init.conditions,
    runtime: init.runtime,
    ...(init.cacheDir ? { cacheDir: init.cacheDir } : {}),
  });
  const info: WorkerModelInfo = {
    pluginName: model.pluginName,
    ...(model.contextLength !== undefined ? { contextLength: model.contextLength } : {}),
    ...(model.vocabSize !== undefined ? { vocabSize: model.vocabSize } : {}),
    loadMs: model.loadMs,
  };
  return { manager: model.manager, plugin: model.plugin, info };
}

function deltas(
  plugin: TextModelPlugin,
  request: GenerateRequest,
  signal: AbortSignal,
): AsyncIterable<GenerationDelta> {
  const options = { ...request.options, signal };
  const { input } = request;
  if (input.kind === 'chat') {
    if (!plugin.chat) {
      throw new PioError({
        code: 'PIO_CHAT_UNSUPPORTED',
        message: `${plugin.metadata.name} has no chat(): use /v1/completions.`,
      });
    }
    return plugin.chat(input.messages, options);
  }
  return plugin.generate(input.prompt, options);
}

/** Abort flags of the generations running now, polled between steps (see `watchAborts`). */
const running = new Map<number, { flag: Int32Array; controller: AbortController }>();

async function run(plugin: TextModelPlugin, request: GenerateRequest): Promise<void> {
  const flag = new Int32Array(request.abortFlag);
  const controller = new AbortController();
  running.set(request.id, { flag, controller });
  try {
    if (Atomics.load(flag, 0) !== 0) controller.abort();
    for await (const delta of deltas(plugin, request, controller.signal)) {
      post({ type: 'delta', id: request.id, delta });
      if (!controller.signal.aborted && Atomics.load(flag, 0) !== 0) controller.abort();
    }
  } catch (error) {
    post({ type: 'error', id: request.id, error: serializeError(error) });
  } finally {
    running.delete(request.id);
    post({ type: 'done', id: request.id });
  }
}

/**
 * The main thread aborts through a shared flag: a generation that is still
 * waiting for a place in the batch emits no delta to check it after, so the
 * flags are also polled while anything runs (the plugin's batch loop yields
 * to this thread's event loop between steps).
 */
function watchAborts(): NodeJS.Timeout {
  const timer = setInterval(() => {
    for (const { flag, controller } of running.values()) {
      if (!controller.signal.aborted && Atomics.load(flag, 0) !== 0) controller.abort();
    }
  }, 10);
  timer.unref();
  return timer;
}

async function main(): Promise<void> {
  let opened: Awaited<ReturnType<typeof open>>;
  try {
    opened = await open();
  } catch (error) {
    post({ type: 'init-error', error: serializeError(error) });
    return;
  }
  const timer = watchAborts();
  const jobs = new Set<Promise<void>>();
  port.on('message', (message: ToWorker) => {
    if (message.type === 'generate') {
      const job = run(opened.plugin, message).finally(() => jobs.delete(job));
      jobs.add(job);
    } else if (message.type === 'close') {
      void (async () => {
        await Promise.allSettled([...jobs]);
        clearInterval(timer);
        await opened.manager[Symbol.asyncDispose]();
        port.close();
      })();
    }
  });
  // Only now: the main thread sends jobs as soon as it hears this.
  post({ type: 'ready', info: opened.info });
}

void main();
