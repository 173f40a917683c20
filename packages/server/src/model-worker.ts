// The worker thread that owns one model. onnxruntime-node's `session.run`
// blocks the thread it runs on, so inference lives here and the HTTP thread
// stays free. One generation at a time: the main thread queues the rest.
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

function deltas(plugin: TextModelPlugin, request: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerationDelta> {
  const options = { ...request.options, signal };
  const { input } = request;
  if (input.kind === 'chat') {
    if (!plugin.chat) {
      throw new PioError({ code: 'PIO_CHAT_UNSUPPORTED', message: `${plugin.metadata.name} has no chat(): use /v1/completions.` });
    }
    return plugin.chat(input.messages, options);
  }
  if (plugin.generate) return plugin.generate(input.prompt, options);
  return (async function* () {
    const result = await plugin.generateText(input.prompt, options);
    for (const tokenId of result.ids) yield { type: 'token' as const, tokenId, text: '' };
    yield { type: 'finish' as const, text: result.text, finishReason: result.finishReason, usage: result.usage };
  })();
}

async function run(plugin: TextModelPlugin, request: GenerateRequest): Promise<void> {
  const flag = new Int32Array(request.abortFlag);
  const controller = new AbortController();
  try {
    if (Atomics.load(flag, 0) !== 0) controller.abort();
    for await (const delta of deltas(plugin, request, controller.signal)) {
      post({ type: 'delta', id: request.id, delta });
      // The generation loop never yields to this thread's event loop between
      // tokens, so the abort arrives through shared memory, not a message.
      if (!controller.signal.aborted && Atomics.load(flag, 0) !== 0) controller.abort();
    }
  } catch (error) {
    post({ type: 'error', id: request.id, error: serializeError(error) });
  } finally {
    post({ type: 'done', id: request.id });
  }
}

async function main(): Promise<void> {
  let opened: Awaited<ReturnType<typeof open>>;
  try {
    opened = await open();
  } catch (error) {
    post({ type: 'init-error', error: serializeError(error) });
    return;
  }
  let chain = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    if (message.type === 'generate') {
      chain = chain.then(() => run(opened.plugin, message));
    } else if (message.type === 'close') {
      chain = chain.then(async () => {
        await opened.manager[Symbol.asyncDispose]();
        port.close();
      });
    }
  });
  // Only now: the main thread sends jobs as soon as it hears this.
  post({ type: 'ready', info: opened.info });
}

void main();
