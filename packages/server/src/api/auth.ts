import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** Route config of a route anyone may call when an api key is set: `{ config: { public: true } }`. */
export interface PublicRouteConfig {
  /** True: no api key needed. */
  public?: boolean;
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** True when no api key is set, or the request sends it as `Authorization: Bearer <key>`. */
export function isAuthorized(request: FastifyRequest, apiKey: string | undefined): boolean {
  if (!apiKey) return true;
  const header = request.headers.authorization ?? '';
  const given = /^Bearer /i.test(header) ? header.slice('Bearer '.length).trim() : '';
  return sameSecret(given, apiKey);
}

/**
 * Makes every request need the api key except those the router matched to a
 * route whose config says `public: true`. It decides on the route, never on
 * the URL's spelling: `/v%31/models` is the `/v1/models` route (the router
 * decodes it) and needs the key; a path that matches no route gets 401 too,
 * so what does not exist is not told apart from what is locked. It runs on
 * `onRequest`, before the body is read.
 */
export function requireApiKey(app: FastifyInstance, apiKey: string): void {
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config as PublicRouteConfig | undefined;
    if (config?.public === true && !request.is404) return;
    if (isAuthorized(request, apiKey)) return;
    const error = new ApiError({
      status: 401,
      message: 'Incorrect or missing API key: send Authorization: Bearer <key>.',
      code: 'invalid_api_key',
    });
    return reply.status(401).header('www-authenticate', 'Bearer').send(error.toBody());
  });
}
