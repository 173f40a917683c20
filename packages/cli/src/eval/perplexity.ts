import { performance } from 'node:perf_hooks';
import type { ProgressCallback } from '@pio/core';
import { slidingWindows } from './sliding-windows.js';

/**
 * What `pio eval` needs of a plugin: the engine's `TokenScorer` extension
 * (`DecoderTextPlugin.scoreTokens`), seen structurally, since hosts know
 * plugins only through `@pio/core`.
 */
export interface TokenScoringPlugin {
  /** Log-probabilities of `ids[from..]`, each given every token before it, and the argmax at each. */
  scoreTokens(
    ids: readonly number[],
    options?: { from?: number },
  ): Promise<{ logProbs: Float64Array; argmax: Int32Array }>;
}

/** True when `plugin` has a `scoreTokens` method. */
export function canScoreTokens(plugin: object): plugin is TokenScoringPlugin {
  return typeof (plugin as Partial<TokenScoringPlugin>).scoreTokens === 'function';
}

/** Settings of {@link slidingPerplexity}. */
export interface PerplexitySettings {
  /** Tokens per window. */
  context: number;
  /** Tokens between the starts of two windows. */
  stride: number;
  /** Progress, one event per window (`phase`, `completed` windows of `total`). */
  onProgress?: ProgressCallback;
  /** The phase name of the progress events (default `perplexity`). */
  phase?: string;
}

/** The result of {@link slidingPerplexity}. */
export interface PerplexityResult {
  /** exp(mean negative log-likelihood) over the scored tokens. */
  perplexity: number;
  /** Mean negative log-likelihood per scored token, nats. */
  meanNll: number;
  /** Share of scored tokens that were the model's most likely next token. */
  top1: number;
  /** Tokens scored (every token but the first, minus the first of each window when stride = context). */
  scoredTokens: number;
  /** Tokens fed to the model (windows overlap, so more than the text). */
  processedTokens: number;
  /** Windows run. */
  windows: number;
  /** Seconds of scoring. */
  seconds: number;
  /** Scored tokens per second. */
  tokensPerSecond: number;
}

/**
 * Perplexity of `ids` under `plugin` with sliding windows (see
 * {@link slidingWindows}): each window is scored in one pass from an empty
 * cache, and only the tokens it adds count.
 *
 * @throws RangeError for fewer than two ids or a stride outside [1, context].
 */
export async function slidingPerplexity(
  plugin: TokenScoringPlugin,
  ids: readonly number[],
  settings: PerplexitySettings,
): Promise<PerplexityResult> {
  const windows = slidingWindows(ids.length, settings.context, settings.stride);
  const phase = settings.phase ?? 'perplexity';
  let nll = 0;
  let hits = 0;
  let scored = 0;
  let processed = 0;
  const started = performance.now();
  settings.onProgress?.({ phase, completed: 0, total: windows.length, unit: 'windows' });
  for (let index = 0; index < windows.length; index++) {
    const { begin, end, from } = windows[index]!;
    const window = ids.slice(begin, end);
    const { logProbs, argmax } = await plugin.scoreTokens(window, { from });
    for (let i = 0; i < logProbs.length; i++) {
      nll -= logProbs[i]!;
      if (argmax[i] === window[from + i]) hits++;
    }
    scored += logProbs.length;
    processed += window.length;
    settings.onProgress?.({ phase, completed: index + 1, total: windows.length, unit: 'windows' });
  }
  const seconds = (performance.now() - started) / 1000;
  const meanNll = nll / scored;
  return {
    perplexity: Math.exp(meanNll),
    meanNll,
    top1: hits / scored,
    scoredTokens: scored,
    processedTokens: processed,
    windows: windows.length,
    seconds,
    tokensPerSecond: scored / seconds,
  };
}
