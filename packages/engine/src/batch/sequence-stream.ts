import { performance } from 'node:perf_hooks';
import { AsyncQueue, type FinishReason, type GenerationDelta } from '@pio/core';
import type { GenerateTokensOptions } from '../generation/generate-tokens.js';
import { IncrementalDecoder } from '../generation/incremental-decoder.js';
import { Sampler, TokenHistory } from '../generation/sampler.js';
import { StopStringMatcher } from '../generation/stop-string-matcher.js';

/**
 * One sequence of a batch, from its prompt to its finish delta: its own
 * sampler (settings and seed), penalties history, stop ids and strings,
 * token budget and text decoder, whichever step (alone or batched) computed
 * its logits. Deltas go to {@link SequenceStream.deltas}.
 */
export class SequenceStream {
  /** What the caller asked. */
  readonly request: GenerateTokensOptions;
  /** The deltas, in order, ending with `finish`. */
  readonly deltas = new AsyncQueue<GenerationDelta>();
  /** Every token id whose K/V the sequence's cache holds or will hold: the prompt, then the generated ones fed back. */
  readonly ids: number[];
  /** Prompt tokens found in the cache (not computed again). */
  cachedPromptTokens = 0;
  /** Prompt tokens already fed to the model. */
  prefilled = 0;
  /** Tokens generated. */
  generated = 0;
  /** The token to feed at the next step, once the prompt is done. */
  next: number | undefined;
  /** Set when the consumer stopped reading: the loop drops the sequence at its next turn. */
  cancelled = false;
  private readonly started = performance.now();
  private firstTokenAt = 0;
  private readonly stopIds: Set<number>;
  private readonly sampler: Sampler;
  private readonly history: TokenHistory;
  private readonly decoder: IncrementalDecoder;
  private readonly stopStrings: StopStringMatcher;
  private finishedWith: FinishReason | undefined;

  /** Starts the sequence's state; nothing runs yet. */
  constructor(request: GenerateTokensOptions) {
    this.request = request;
    this.ids = [...request.promptIds];
    this.stopIds = new Set(request.stopTokenIds);
    this.sampler = new Sampler(request.sampling);
    this.history = new TokenHistory(request.promptIds);
    this.decoder = new IncrementalDecoder(request.decode);
    this.stopStrings = new StopStringMatcher(request.stopStrings ?? []);
  }

  /** True once the finish delta is out. */
  get finished(): boolean {
    return this.finishedWith !== undefined;
  }

  /** True while prompt tokens remain to be fed. */
  get prefilling(): boolean {
    return this.prefilled < this.request.promptIds.length;
  }

  /** True when the caller aborted. */
  get aborted(): boolean {
    return this.request.signal?.aborted === true;
  }

  /**
   * Samples the next token from `logits[offset, offset + vocab)`, emits it
   * and says whether the sequence is done (a stop id or string, or its token
   * budget). The row is modified in place by the penalties.
   */
  accept(logits: Float32Array, offset: number, vocab: number): boolean {
    // Structured output: the grammar's mask before sampling (precomputed while the step ran).
    this.request.constraint?.mask(logits, offset);
    const tokenId = this.sampler.sample(logits, this.history, offset, vocab);
    this.request.constraint?.accept(tokenId);
    this.history.add(tokenId);
    this.generated++;
    if (this.generated === 1) this.firstTokenAt = performance.now();
    if (this.stopIds.has(tokenId)) {
      this.deltas.push({ type: 'token', tokenId, text: '' });
      this.finish('stop');
      return true;
    }
    const match = this.stopStrings.push(this.decoder.push(tokenId));
    this.deltas.push({ type: 'token', tokenId, text: match.text });
    if (match.stopped) {
      this.finish('stop');
      return true;
    }
    if (this.generated >= this.request.maxNewTokens) {
      this.finish('length');
      return true;
    }
    this.next = tokenId;
    return false;
  }

  /** Emits the finish delta with usage (once) and ends the stream. */
  finish(reason: FinishReason): void {
    if (this.finishedWith !== undefined) return;
    this.finishedWith = reason;
    this.request.constraint?.dispose?.();
    const ended = performance.now();
    const { generated, firstTokenAt } = this;
    this.deltas.push({
      type: 'finish',
      finishReason: reason,
      // A character still incomplete at the end is dropped: it would only print U+FFFD.
      text: reason === 'stop' ? '' : this.stopStrings.flush(),
      usage: {
        promptTokens: this.request.promptIds.length,
        cachedPromptTokens: this.cachedPromptTokens,
        completionTokens: generated,
        timeToFirstTokenMs: generated > 0 ? firstTokenAt - this.started : 0,
        tokensPerSecond: generated > 1 ? ((generated - 1) * 1000) / (ended - firstTokenAt) : 0,
      },
    });
    this.deltas.end();
  }

  /** Ends the stream with `error` (a failed run). */
  fail(error: unknown): void {
    if (this.finishedWith !== undefined) return;
    this.finishedWith = 'abort';
    this.request.constraint?.dispose?.();
    this.deltas.fail(error);
  }
}
