import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { defaultLoadConditions, PioError } from '@pio/core';
import { isAuthorized, type PublicRouteConfig, requireApiKey } from './api/auth.js';
import { ApiError, toApiError, validationError } from './api/errors.js';
import { chatMessages, completionPrompt, generationOptions } from './api/generation-options.js';
import { chatCompletionRequestSchema, completionRequestSchema } from './api/schemas.js';
import { serveGeneration } from './api/serve-generation.js';
import { ListenError } from './errors.js';
import { ModelRunner } from './model-runner.js';
import type { PioServerOptions, ServeModelOptions } from './options.js';
import type { PioServer, ServedModel } from './server-info.js';
import { defaultWorkerEntry } from './worker-url.js';

function modelSpecs(options: PioServerOptions): (ServeModelOptions & { id: string })[] {
  const specs = options.models.map((model) => {
    const spec = typeof model === 'string' ? { checkpoint: model } : model;
    const checkpoint = resolve(spec.checkpoint);
    return { ...spec, checkpoint, id: spec.id ?? basename(checkpoint) };
  });
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.id)) {
      throw new PioError({
        code: 'PIO_USAGE',
        message: `Two models are named "${spec.id}".`,
        hint: 'Give each checkpoint its own id (the `id` option, or `--name` of `pio serve`).',
      });
    }
    seen.add(spec.id);
  }
  return specs;
}

/** Checks the numeric options before anything starts, so a bad one costs no model load. */
function checkOptions(options: PioServerOptions): void {
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `The port ${String(port)} is not a TCP port.`,
      hint: 'Use a whole number from 0 to 65535 (0 picks a free port).',
    });
  }
  const positive: [string, number | undefined][] = [
    ['requestTimeoutMs', options.requestTimeoutMs],
    ['keepAliveTimeoutMs', options.keepAliveTimeoutMs],
    ['maxConnections', options.maxConnections],
  ];
  for (const [name, value] of positive) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new PioError({
        code: 'PIO_USAGE',
        message: `The server option ${name} is ${String(value)}.`,
        hint: `Give ${name} a whole number of at least 1, or leave it out for the default.`,
      });
    }
  }
}

/**
 * Starts an OpenAI-compatible server: loads every model in its own worker
 * thread, then listens. Endpoints: `GET /health`, `GET /v1/models`,
 * `GET /v1/models/:id`, `POST /v1/chat/completions`, `POST /v1/completions`.
 *
 * ```ts
 * const server = await startServer({ models: ['./SmolLM2-135M'], port: 8080 });
 * // new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none' })
 * await server.close();
 * ```
 *
 * @throws the plugin's errors (as WorkerError, same code and message) when a model fails to load.
 */
export async function startServer(options: PioServerOptions): Promise<PioServer> {
  checkOptions(options);
  const specs = modelSpecs(options);
  const entry = { ...defaultWorkerEntry(), ...options.worker };
  const roots = [...(options.roots ?? [process.cwd(), dirname(fileURLToPath(import.meta.url))])];
  const conditions = [...(options.conditions ?? defaultLoadConditions())];
  const runners = new Map<string, ModelRunner>();

  // Bind first: a port in use is reported before any model loads. Requests
  // that arrive during the load wait in the model's (bounded) queue.
  const app = buildApp(options, runners);
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 8080;
  try {
    await app.listen({ host, port: requestedPort });
  } catch (error) {
    await app.close();
    throw new ListenError({ host, port: requestedPort, cause: error });
  }
  app.server.maxConnections = options.maxConnections ?? 256;

  for (const spec of specs) {
    const runtime = { ...options.runtime, ...spec.runtime };
    runners.set(
      spec.id,
      new ModelRunner({
        id: spec.id,
        maxQueue: spec.maxQueue ?? options.maxQueue ?? 32,
        entry,
        init: {
          checkpoint: spec.checkpoint,
          runtime,
          roots,
          conditions,
          ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
        },
      }),
    );
  }
  const closeRunners = () => Promise.all([...runners.values()].map((runner) => runner.close()));
  let models: ServedModel[];
  try {
    models = await Promise.all(
      specs.map(async (spec) => {
        const info = await runners.get(spec.id)!.start();
        return { id: spec.id, checkpoint: spec.checkpoint, ...info };
      }),
    );
  } catch (error) {
    await closeRunners();
    await app.close();
    throw error;
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : requestedPort;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    models,
    close() {
      closed ??= (async () => {
        // Workers first: running streams end (aborted), then the HTTP server drains.
        await closeRunners();
        await app.close();
      })();
      return closed;
    },
  };
}

function buildApp(options: PioServerOptions, runners: Map<string, ModelRunner>): FastifyInstance {
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    logger: false,
    forceCloseConnections: true,
    // Slow clients (a body sent a byte at a time) are cut off after requestTimeout.
    requestTimeout,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    http: {
      requestTimeout,
      headersTimeout: requestTimeout,
      // Node checks the timeouts above every so often (30 s by default): often enough to honor them.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeout / 4))),
    },
  });
  const created = Math.floor(Date.now() / 1000);

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    let apiError: ApiError;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      apiError = new ApiError({
        status: 413,
        message: `The request body is larger than ${options.bodyLimit ?? 1024 * 1024} bytes.`,
        code: 'request_too_large',
      });
    } else if (
      error instanceof SyntaxError ||
      error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
    ) {
      apiError = new ApiError({
        status: 400,
        message: `The request body is not valid JSON: ${error.message}`,
        code: 'invalid_json',
      });
    } else if (
      !(error instanceof ApiError) &&
      typeof error.statusCode === 'number' &&
      error.statusCode >= 400 &&
      error.statusCode < 500
    ) {
      apiError = new ApiError({ status: error.statusCode, message: error.message, code: error.code ?? null });
    } else apiError = toApiError(error);
    return reply.status(apiError.status).headers(apiError.headers).send(apiError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError({
      status: 404,
      message: `No route ${request.method} ${request.url}.`,
      code: 'not_found',
    });
    return reply.status(404).send(error.toBody());
  });

  const apiKey = options.apiKey;
  if (apiKey) requireApiKey(app, apiKey);

  const runnerFor = (model: string): ModelRunner => {
    const runner = runners.get(model);
    if (!runner) {
      throw new ApiError({
        status: 404,
        message: `The model "${model}" does not exist. Models served: ${[...runners.keys()].join(', ') || 'none'}.`,
        param: 'model',
        code: 'model_not_found',
      });
    }
    return runner;
  };
  const modelObject = (id: string) => ({ id, object: 'model' as const, created, owned_by: 'pio' });

  const publicRoute: { config: PublicRouteConfig } = { config: { public: true } };
  app.get('/health', publicRoute, async (request) => {
    const models = Object.fromEntries([...runners].map(([id, runner]) => [id, runner.stats()]));
    const ok = Object.values(models).every((stats) => stats.state === 'ready');
    const status = ok ? 'ok' : 'degraded';
    // Probes need no secret; model ids and counters are for those who have it.
    return isAuthorized(request, apiKey) ? { status, models } : { status };
  });
  app.get('/v1/models', async () => ({ object: 'list', data: [...runners.keys()].map(modelObject) }));
  app.get<{ Params: { model: string } }>('/v1/models/:model', async (request) =>
    modelObject(runnerFor(request.params.model).id),
  );

  app.post('/v1/chat/completions', async (request, reply) => {
    const parsed = chatCompletionRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    return serveGeneration(reply, {
      kind: 'chat',
      runner: runnerFor(body.model),
      input: { kind: 'chat', messages: chatMessages(body) },
      options: generationOptions(body),
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
    });
  });
  app.post('/v1/completions', async (request, reply) => {
    const parsed = completionRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    const runner = runnerFor(body.model);
    return serveGeneration(reply, {
      kind: 'completion',
      runner,
      input: { kind: 'completion', prompt: completionPrompt(body, runner.modelInfo?.vocabSize) },
      options: generationOptions(body),
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
    });
  });
  return app;
}
