import { ConfigError, type ConfigIssue, readJsonObjectFile } from '@pio/core';
import { z } from 'zod';

/**
 * A remote descriptor: the file (`*.remote.json`, or `pio-remote.json` in a
 * folder) that names a model served elsewhere over the OpenAI protocol.
 *
 * ```json
 * { "baseUrl": "http://vllm.internal:8000/v1", "model": "meta-llama/Llama-3.1-8B-Instruct",
 *   "apiKeyEnv": "VLLM_API_KEY", "timeoutMs": 60000, "maxRetries": 2 }
 * ```
 */
export interface RemoteDescriptor {
  /** The OpenAI base URL, `/v1` included, as OpenAI clients take it (`http://host:8000/v1`); no trailing slash. */
  baseUrl: string;
  /** The model id the server serves (the `model` field of every request). */
  model: string;
  /** Name of the environment variable holding the API key, sent as `Authorization: Bearer <key>`; absent: no key. */
  apiKeyEnv?: string;
  /** Milliseconds to wait for the response headers, and then for each next piece of a stream. Default 60 000. */
  timeoutMs: number;
  /** Retries of a request answered 429 or 503 (honouring `Retry-After`). Default 2. */
  maxRetries: number;
  /** The longest wait before a retry, in milliseconds; a `Retry-After` asking for longer fails at once. Default 30 000. */
  maxRetryDelayMs: number;
  /** Extra HTTP headers of every request (a gateway's routing header, say). */
  headers: Record<string, string>;
  /** The served model's context length in tokens, when known; else read from the server's `/v1/models` (vLLM's `max_model_len`) when it says. */
  contextLength?: number;
}

const positiveInt = (rule: string) =>
  z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1, { error: rule });

/** The zod schema of {@link RemoteDescriptor}: strict, so a misspelt key is an error, not a silent default. */
export const remoteDescriptorSchema = z.strictObject({
  baseUrl: z
    .string({ error: 'must be a string, like "http://127.0.0.1:8000/v1"' })
    .refine((value) => /^https?:$/.test(URL.canParse(value) ? new URL(value).protocol : ''), {
      error: 'must be an http(s) URL, like "http://127.0.0.1:8000/v1" (the OpenAI base URL, /v1 included)',
    })
    .transform((value) => value.replace(/\/+$/, '')),
  model: z
    .string({ error: 'must be a string (the model id the server serves)' })
    .trim()
    .min(1, { error: 'must not be empty' }),
  apiKeyEnv: z
    .string({ error: 'must be a string' })
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be the name of an environment variable, like "VLLM_API_KEY"' })
    .optional(),
  timeoutMs: positiveInt('must be >= 1').default(60_000),
  maxRetries: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must be >= 0' })
    .max(10, { error: 'must be <= 10' })
    .default(2),
  maxRetryDelayMs: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must be >= 0' })
    .default(30_000),
  headers: z
    .record(z.string(), z.string({ error: 'must be a string' }), {
      error: 'must be an object of header names to strings',
    })
    .default({}),
  contextLength: positiveInt('must be >= 1').optional(),
});

/**
 * Validates a parsed descriptor.
 *
 * @param json - The parsed file.
 * @param source - The file, named in errors.
 * @throws ConfigError listing every bad key (its value and the rule), with the file.
 */
export function parseRemoteDescriptor(json: unknown, source?: string): RemoteDescriptor {
  const result = remoteDescriptorSchema.safeParse(json);
  if (result.success) return result.data as RemoteDescriptor;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = keys.length > 0 ? keys.join(', ') : issue.path.map(String).join('.') || '(descriptor)';
    const value = keys.length > 0 ? undefined : valueAt(json, issue.path);
    const rule = keys.length > 0 ? 'is not a known key (check its spelling, or remove it)' : issue.message;
    return { field, value, rule };
  });
  throw new ConfigError({ configName: 'remote descriptor', issues, ...(source ? { source } : {}) });
}

/**
 * Reads and validates a descriptor file.
 *
 * @throws CheckpointError when the file is missing, unreadable or not a JSON object.
 * @throws ConfigError for bad keys (see {@link parseRemoteDescriptor}).
 */
export async function readRemoteDescriptor(file: string): Promise<RemoteDescriptor> {
  const hint =
    'Give a remote descriptor: a *.remote.json file (or a folder with pio-remote.json) holding { "baseUrl", "model" }.';
  const json = await readJsonObjectFile(file, {
    missingHint: hint,
    unreadableHint: hint,
    expected: 'a JSON object like { "baseUrl": "http://127.0.0.1:8000/v1", "model": "..." }',
  });
  return parseRemoteDescriptor(json, file);
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = json;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
