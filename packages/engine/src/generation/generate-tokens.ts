import { performance } from 'node:perf_hooks';
import type { FinishReason, GenerationDelta } from '@pio/core';
import type { DecoderRunner } from '../decoder/decoder-runner.js';
import { type DecodeFn, IncrementalDecoder } from './incremental-decoder.js';
import type { LogitsConstraint } from './logits-constraint.js';
import { Sampler, type SamplingSettings, TokenHistory } from './sampler.js';
import { StopStringMatcher } from './stop-string-matcher.js';

/** What {@link generateTokens} needs besides the runner. */
export interface GenerateTokensOptions {
  /** Token ids of the prompt. */
  promptIds: readonly number[];
  /** Most tokens to generate. */
  maxNewTokens: number;
  /** Ids that end generation (EOS and the caller's stop ids); they are not emitted as text. */
  stopTokenIds: readonly number[];
  /** Strings that end generation; matched across tokens, never emitted. */
  stopStrings?: readonly string[];
  /** How tokens are chosen; temperature 0 is greedy. */
  sampling?: SamplingSettings;
  /** The tokenizer's decode, for text deltas. */
  decode: DecodeFn;
  /** Aborts between steps; the stream then ends with `finishReason: 'abort'`. */
  signal?: AbortSignal;
  /** Masks each row of logits before sampling (structured output); disposed when the generation ends. */
  constraint?: LogitsConstraint;
}

/**
 * Generation over a {@link DecoderRunner}, streamed as
 * {@link GenerationDelta}s and ending with a `finish` delta carrying usage.
 * The cache keeps the longest prefix it shares with the prompt; the rest of
 * the prompt is fed in one step, then one token per step.
 */
export async function* generateTokens(
  runner: DecoderRunner,
  options: GenerateTokensOptions,
): AsyncGenerator<GenerationDelta> {
  const started = performance.now();
  const { promptIds, maxNewTokens, signal, constraint } = options;
  const stopIds = new Set(options.stopTokenIds);
  const decoder = new IncrementalDecoder(options.decode);
  const stopStrings = new StopStringMatcher(options.stopStrings ?? []);
  const sampler = new Sampler(options.sampling);
  const history = new TokenHistory(promptIds);
  const vocab = runner.shape.vocabSize;
  // Tokens of the prompt already in the cache (an earlier turn's) are not computed again.
  const reused = runner.reusePrefix(promptIds);
  let firstTokenAt = 0;
  let generated = 0;
  let finishReason: FinishReason = 'length';
  let nextInput: readonly number[] = promptIds.slice(reused);
  try {
    while (generated < maxNewTokens) {
      if (signal?.aborted) {
        finishReason = 'abort';
        break;
      }
      const logits = await runner.forward(nextInput);
      if (constraint) {
        await constraint.ready?.();
        constraint.mask(logits, 0);
      }
      const tokenId = sampler.sample(logits, history, 0, vocab);
      constraint?.accept(tokenId);
      history.add(tokenId);
      generated++;
      if (generated === 1) firstTokenAt = performance.now();
      if (stopIds.has(tokenId)) {
        finishReason = 'stop';
        yield { type: 'token', tokenId, text: '' };
        break;
      }
      const match = stopStrings.push(decoder.push(tokenId));
      yield { type: 'token', tokenId, text: match.text };
      if (match.stopped) {
        finishReason = 'stop';
        break;
      }
      nextInput = [tokenId];
    }
  } finally {
    constraint?.dispose?.();
  }
  const ended = performance.now();
  yield {
    type: 'finish',
    finishReason,
    // A character still incomplete at the end is dropped: it would only print U+FFFD.
    text: finishReason === 'stop' ? '' : stopStrings.flush(),
    usage: {
      promptTokens: promptIds.length,
      cachedPromptTokens: reused,
      completionTokens: generated,
      timeToFirstTokenMs: generated > 0 ? firstTokenAt - started : 0,
      tokensPerSecond: generated > 1 ? ((generated - 1) * 1000) / (ended - firstTokenAt) : 0,
    },
  };
}
