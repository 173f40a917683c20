import { PioError } from './pio-error.js';

const marker = 'pio.error.PromptError';
const symbol = Symbol.for(marker);

/** What is wrong with a prompt; each form gets its own message and hint. */
export type PromptProblem =
  /** The prompt gives no token ids at all (`""`, or `inputIds: []`). */
  | { kind: 'empty' }
  /** A token id is not an integer in `[0, vocabSize)`. */
  | { kind: 'token-id'; tokenId: number; position: number; vocabSize: number }
  /** Anything else, said in words. */
  | { kind: 'other'; reason: string; hint: string };

/**
 * A prompt cannot be run: it is empty, or one of its token ids is not a token
 * of the model. Thrown before any compute; hosts answer it as a client error
 * (the server maps the code `PIO_PROMPT` to HTTP 400).
 */
export class PromptError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** What was wrong. */
  readonly problem: PromptProblem;

  /** Builds the error; the message names the bad id, its position and the vocabulary size when there is one. */
  constructor(problem: PromptProblem) {
    super({ code: 'PIO_PROMPT', ...describe(problem) });
    this.name = 'PromptError';
    this.problem = problem;
  }

  /** True when `error` is a PromptError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is PromptError {
    return PioError.hasMarker(error, marker);
  }
}

function describe(problem: PromptProblem): { message: string; hint: string } {
  switch (problem.kind) {
    case 'empty':
      return {
        message: 'The prompt is empty: it gives no token ids to start from.',
        hint: "Give some text or token ids; to start from nothing, pass the model's BOS token id.",
      };
    case 'token-id':
      return {
        message: `Prompt token id ${String(problem.tokenId)} at position ${problem.position} is not a token of this model: ids must be integers in [0, ${problem.vocabSize}).`,
        hint: "Use ids from this model's tokenizer (tokenize() of the plugin), or pass the prompt as text.",
      };
    case 'other':
      return { message: `Invalid prompt: ${problem.reason}`, hint: problem.hint };
  }
}
