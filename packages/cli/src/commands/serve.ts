import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultLoadConditions, PioError } from '@pio/core';
import { isRepoId } from '@pio/hub';
import { startServer } from '@pio/server';
import type { CliIo } from '../io.js';
import { type RuntimeFlagOptions, runtimeFrom } from '../options/runtime-options.js';
import { resolveCheckpointDir } from './open-checkpoint.js';

/** Options of `pio serve`, as commander parses them. */
export interface ServeOptions extends RuntimeFlagOptions {
  /** `--port` (default 8080; 0 picks a free port). */
  port?: number;
  /** `--host` (default 127.0.0.1). */
  host?: string;
  /** `--api-key`, else `$PIO_API_KEY`. */
  apiKey?: string;
  /** `--max-queue`: requests allowed to wait per model. */
  maxQueue?: number;
  /** `--name`, once per checkpoint, in order. */
  name?: string[];
  /** `--request-timeout`: milliseconds a client has to send a whole request (default 30000). */
  requestTimeout?: number;
  /** `--max-connections`: most open connections (default 256). */
  maxConnections?: number;
}

/** Refuses flag values the server cannot use, before any checkpoint is looked at. */
function checkServeFlags(options: ServeOptions): void {
  const port = options.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `--port ${String(port)} is not a TCP port.`,
      hint: 'Give a whole number from 0 to 65535 (0 picks a free port; 8080 is the default).',
    });
  }
  const positive: [string, number | undefined][] = [
    ['--request-timeout', options.requestTimeout],
    ['--max-connections', options.maxConnections],
    ['--max-queue', options.maxQueue],
  ];
  for (const [flag, value] of positive) {
    const least = flag === '--max-queue' ? 0 : 1;
    if (value !== undefined && (!Number.isInteger(value) || value < least)) {
      throw new PioError({
        code: 'PIO_USAGE',
        message: `${flag} ${String(value)} is out of range.`,
        hint: `Give ${flag} a whole number of at least ${least}, or leave it out for the default.`,
      });
    }
  }
}

/** Aborts on the first SIGINT or SIGTERM of this process. */
function stopOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/**
 * `pio serve <checkpoint...>`: an OpenAI-compatible HTTP server over the
 * checkpoints (see `@pio/server`) until SIGINT or SIGTERM.
 *
 * @returns the exit code.
 */
export async function serveCommand(io: CliIo, checkpoints: string[], options: ServeOptions): Promise<number> {
  checkServeFlags(options);
  const names = options.name ?? [];
  if (names.length > checkpoints.length) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `pio serve got ${names.length} --name for ${checkpoints.length} checkpoints.`,
      hint: 'Give at most one --name per checkpoint, in the same order.',
    });
  }
  const stop = stopOnSignals();
  try {
    io.err(`pio serve: loading ${checkpoints.length} model${checkpoints.length === 1 ? '' : 's'}…\n`);
    const apiKey = options.apiKey ?? process.env.PIO_API_KEY;
    const server = await startServer({
      models: checkpoints.map((checkpoint, i) => ({
        checkpoint: resolveCheckpointDir(io, checkpoint, options.cacheDir),
        // A pulled model is named by its repo id; a folder by its name (the server's default).
        ...(names[i]
          ? { id: names[i] }
          : isRepoId(checkpoint) && !existsSync(resolve(io.cwd, checkpoint))
            ? { id: checkpoint }
            : {}),
      })),
      runtime: runtimeFrom(options),
      roots: [io.cwd, dirname(fileURLToPath(import.meta.url))],
      conditions: defaultLoadConditions(),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(options.maxQueue !== undefined ? { maxQueue: options.maxQueue } : {}),
      ...(options.requestTimeout !== undefined ? { requestTimeoutMs: options.requestTimeout } : {}),
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    });
    io.out(`pio serve: listening on ${server.url}/v1 (OpenAI-compatible; health at ${server.url}/health)\n`);
    for (const model of server.models) {
      const context = model.contextLength ? `, context ${model.contextLength}` : '';
      io.out(
        `  model "${model.id}": ${model.checkpoint} (${model.pluginName}${context}, loaded in ${Math.round(model.loadMs)} ms)\n`,
      );
    }
    io.out(
      apiKey
        ? '  api key required on every route (Authorization: Bearer …); /health without it gives only its status\n'
        : '  no api key\n',
    );
    io.err('Press Ctrl+C to stop.\n');
    if (!stop.signal.aborted) await new Promise((done) => stop.signal.addEventListener('abort', done, { once: true }));
    io.err('pio serve: stopping…\n');
    await server.close();
    return 0;
  } finally {
    stop.dispose();
  }
}
