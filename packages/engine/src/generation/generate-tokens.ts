import { performance } from 'node:perf_hooks';
import type { FinishReason, GenerationDelta } from '@pio/core';
import type { DecoderRunner } from '../decoder/decoder-runner.js';
import { argmax } from './argmax.js';
import { type DecodeFn, IncrementalDecoder } from './incremental-decoder.js';

/** What {@link generateTokens} needs besides the runner. */
export interface GenerateTokensOptions {
  /** Token ids of the prompt. */
  promptIds: readonly number[];
  /** Most tokens to generate. */
  maxNewTokens: number;
  /** Ids that end generation (EOS and the caller's stop ids); they are not emitted as text. */
  stopTokenIds: readonly number[];
  /** The tokenizer's decode, for text deltas. */
  decode: DecodeFn;
  /** Aborts between steps. */
  signal?: AbortSignal;
}

/**
 * Greedy generation over a {@link DecoderRunner}, streamed as
 * {@link GenerationDelta}s and ending with a `finish` delta carrying usage.
 * The runner's cache is reset first. (Sampling, stop strings and penalties
 * come with the runtime issue.)
 */
export async function* generateTokens(
  runner: DecoderRunner,
  options: GenerateTokensOptions,
): AsyncGenerator<GenerationDelta> {
  const started = performance.now();
  const { promptIds, maxNewTokens, signal } = options;
  const stop = new Set(options.stopTokenIds);
  const decoder = new IncrementalDecoder(options.decode);
  const vocab = runner.shape.vocabSize;
  runner.cache.reset();
  let firstTokenAt = 0;
  let generated = 0;
  let finishReason: FinishReason = 'length';
  let nextInput: readonly number[] = promptIds;
  while (generated < maxNewTokens) {
    if (signal?.aborted) {
      finishReason = 'abort';
      break;
    }
    const logits = await runner.forward(nextInput);
    const tokenId = argmax(logits, 0, vocab);
    generated++;
    if (generated === 1) firstTokenAt = performance.now();
    if (stop.has(tokenId)) {
      finishReason = 'stop';
      yield { type: 'token', tokenId, text: '' };
      break;
    }
    yield { type: 'token', tokenId, text: decoder.push(tokenId) };
    nextInput = [tokenId];
  }
  // A character still incomplete at the end is dropped: it would only print U+FFFD.
  const ended = performance.now();
  yield {
    type: 'finish',
    finishReason,
    usage: {
      promptTokens: promptIds.length,
      completionTokens: generated,
      timeToFirstTokenMs: generated > 0 ? firstTokenAt - started : 0,
      tokensPerSecond: generated > 1 ? ((generated - 1) * 1000) / (ended - firstTokenAt) : 0,
    },
  };
}
