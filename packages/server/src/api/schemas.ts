import { z } from 'zod';

// OpenAI clients send `null` for fields they leave unset: every optional field is nullish.
const probability = z.number().min(0).max(1).nullish();
const penalty = z.number().min(-2).max(2).nullish();
const positiveInt = z.number().int().positive().nullish();
const stop = z.union([z.string(), z.array(z.string()).max(16)]).nullish();
const onlyOne = z
  .number()
  .int()
  .refine((n) => n === 1, { message: 'only n = 1 is supported' })
  .nullish();

/** Sampling and length fields shared by both endpoints (OpenAI names, plus top_k, min_p, repetition_penalty). */
const samplingShape = {
  model: z.string().min(1),
  max_tokens: positiveInt,
  temperature: z.number().min(0).max(2).nullish(),
  // (0, 1], as the sampler takes it: top_p 0 would keep no token.
  top_p: z.number().gt(0).max(1).nullish(),
  presence_penalty: penalty,
  frequency_penalty: penalty,
  seed: z.number().int().nullish(),
  stop,
  n: onlyOne,
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  top_k: z.number().int().min(0).nullish(),
  min_p: probability,
  repetition_penalty: z.number().positive().nullish(),
  user: z.string().nullish(),
  // Structured output: JSON that parses (json_object) or validates against a schema (json_schema).
  response_format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({
          name: z.string().nullish(),
          description: z.string().nullish(),
          schema: z.record(z.string(), z.unknown()).nullish(),
          strict: z.boolean().nullish(),
        }),
      }),
    ])
    .nullish(),
};

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const messageContent = z.union([z.string(), z.array(textPart)]).nullish();

/** The body of `POST /v1/chat/completions`. Unknown fields are ignored. */
export const chatCompletionRequestSchema = z.object({
  ...samplingShape,
  max_completion_tokens: positiveInt,
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: messageContent,
        name: z.string().nullish(),
        tool_calls: z
          .array(
            z.object({
              id: z.string(),
              type: z.literal('function').nullish(),
              function: z.object({ name: z.string(), arguments: z.string() }),
            }),
          )
          .nullish(),
        tool_call_id: z.string().nullish(),
      }),
    )
    .min(1),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        function: z.object({
          name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'letters, digits, _ and - only (at most 64)' }),
          description: z.string().nullish(),
          parameters: z.record(z.string(), z.unknown()).nullish(),
          strict: z.boolean().nullish(),
        }),
      }),
    )
    .max(128)
    .nullish(),
  tool_choice: z
    .union([
      z.enum(['auto', 'none', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    ])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
});

/** The body of `POST /v1/completions`. Unknown fields are ignored. */
export const completionRequestSchema = z.object({
  ...samplingShape,
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, { message: 'only one prompt per request is supported' }),
    z.array(z.number().int().nonnegative()).min(1),
    z
      .array(z.array(z.number().int().nonnegative()).min(1))
      .length(1, { message: 'only one prompt per request is supported' }),
  ]),
  echo: z
    .boolean()
    .refine((echo) => !echo, { message: 'echo is not supported' })
    .nullish(),
  best_of: onlyOne,
  logprobs: z.null().optional(),
  suffix: z.null().optional(),
});

/** A parsed chat completion request. */
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
/** A parsed completion request. */
export type CompletionRequest = z.infer<typeof completionRequestSchema>;
