export { ApiError, type OpenAIErrorBody } from './api/errors.js';
export { ListenError, ModelUnavailableError, QueueFullError, WorkerError } from './errors.js';
export type { ModelStats } from './model-runner.js';
export type { PioServerOptions, ServeModelOptions } from './options.js';
export type { PioServer, ServedModel } from './server-info.js';
export { startServer } from './start-server.js';
export { defaultWorkerEntry, type WorkerEntry } from './worker-url.js';
