import { ContextLengthError } from '@pio/core';

/**
 * A {@link ContextLengthError} from a server's "prompt too long" answer, when
 * its numbers can be read: PIO's own message, vLLM's ("maximum context length
 * is N tokens. However, you requested …"), TGI's ("must be <= N. Given: P
 * `inputs` tokens and M `max_new_tokens`") and llama.cpp's error fields
 * (`n_prompt_tokens`, `n_ctx`). `undefined` otherwise.
 *
 * @param message - The server's error message.
 * @param fields - The server's error object (llama.cpp puts the numbers there).
 */
export function contextLengthFromMessage(
  message: string,
  fields: Record<string, unknown> = {},
): ContextLengthError | undefined {
  const numbers = readNumbers(message, fields);
  return numbers ? new ContextLengthError(numbers) : undefined;
}

type Numbers = { promptTokens: number; maxNewTokens: number; contextLength: number };

function readNumbers(message: string, fields: Record<string, unknown>): Numbers | undefined {
  const int = (text: string | undefined) => (text === undefined ? undefined : Number.parseInt(text, 10));
  const pio =
    /The prompt has (\d+) tokens and (\d+) more were asked for: \d+ > the context length of (\d+) tokens/.exec(message);
  if (pio) return { promptTokens: int(pio[1])!, maxNewTokens: int(pio[2])!, contextLength: int(pio[3])! };
  const tgi = /must be <= (\d+)\. Given: (\d+) `inputs` tokens and (\d+) `max_new_tokens`/.exec(message);
  if (tgi) return { promptTokens: int(tgi[2])!, maxNewTokens: int(tgi[3])!, contextLength: int(tgi[1])! };
  if (typeof fields.n_prompt_tokens === 'number' && typeof fields.n_ctx === 'number') {
    return { promptTokens: fields.n_prompt_tokens, maxNewTokens: 0, contextLength: fields.n_ctx };
  }
  const context = int(/maximum context length is (\d+)/.exec(message)?.[1]);
  if (context === undefined) return undefined;
  const prompt = int((/\((\d+) in the messages/.exec(message) ?? /(\d+) input tokens/.exec(message))?.[1]);
  const completion = int(
    (/(\d+) in the completion/.exec(message) ?? /'max_tokens' is too large: (\d+)/.exec(message))?.[1],
  );
  const requested = int(/you requested (\d+) tokens/.exec(message)?.[1]);
  const promptTokens =
    prompt ?? (requested !== undefined && completion !== undefined ? requested - completion : undefined);
  if (promptTokens === undefined) return undefined;
  return { promptTokens, maxNewTokens: completion ?? 0, contextLength: context };
}
