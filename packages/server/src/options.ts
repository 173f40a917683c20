import type { RuntimeFields } from '@pio/core';
import type { WorkerEntry } from './worker-url.js';

/** One model to serve. */
export interface ServeModelOptions {
  /** The checkpoint folder (config.json, *.safetensors, tokenizer.json). */
  checkpoint: string;
  /** The id clients name in `model`. Default: the folder's basename. */
  id?: string;
  /** Runtime settings of this model, over {@link PioServerOptions.runtime}. */
  runtime?: Partial<RuntimeFields>;
  /** Requests allowed to wait for this model, over {@link PioServerOptions.maxQueue}. */
  maxQueue?: number;
}

/** Options of {@link startServer}. */
export interface PioServerOptions {
  /** Models to serve: checkpoint folders, or {@link ServeModelOptions}. Each runs in its own worker thread. */
  models: readonly (string | ServeModelOptions)[];
  /** Interface to bind. Default `127.0.0.1` (this machine only); `0.0.0.0` serves the network. */
  host?: string;
  /** TCP port. Default 8080; 0 picks a free one (read it from {@link PioServer.port}). */
  port?: number;
  /**
   * When set, every request must send `Authorization: Bearer <apiKey>`, except
   * to routes marked public: only `GET /health`, which then answers just
   * `{ status }` without the key and its model counters with it. The check runs
   * on the route the router matched (after percent-decoding), so no spelling
   * of a `/v1` path gets past it; unknown paths get 401 without the key, 404
   * with it.
   */
  apiKey?: string;
  /** Requests allowed to wait per model while one generates; more get 429 with Retry-After. Default 32. */
  maxQueue?: number;
  /** Largest request body in bytes; larger ones get 413. Default 1 MiB. */
  bodyLimit?: number;
  /**
   * Milliseconds a client has to send a whole request, headers and body, from
   * the moment it connects or its previous request ended; slower ones are cut
   * off (408, or the connection closed). Responses, streams included, are not
   * limited. Default 30 000.
   */
  requestTimeoutMs?: number;
  /** Milliseconds an idle keep-alive connection stays open between requests. Default 5 000. */
  keepAliveTimeoutMs?: number;
  /** Most open connections; further ones are closed at once. Default 256. */
  maxConnections?: number;
  /** Runtime settings for every model (dtype, maxContextLength, numThreads). */
  runtime?: Partial<RuntimeFields>;
  /** Where built graphs are cached. Default: the plugins' default (`$PIO_CACHE_DIR` or `~/.cache/pio`). */
  cacheDir?: string;
  /** Folders plugins are discovered from. Default: the working directory and this package's install. */
  roots?: readonly string[];
  /** Export conditions for plugin entry points. Default: this process's `--conditions`, then `import`, `default`. */
  conditions?: readonly string[];
  /** The worker thread module and its Node options. Default: `model-worker.js` next to this module. */
  worker?: Partial<WorkerEntry>;
}
