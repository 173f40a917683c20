import { type Architecture, type HfDecoderConfig, resolveDecoderShape } from '@pio/demo';
import { TestKitError } from '../errors/test-kit-error.js';
import { argmaxWithMargin } from './argmax-with-margin.js';
import { type ReferenceWeights, referenceForward } from './reference-forward.js';
import { ReferenceKvCache } from './reference-kv-cache.js';

/** Options of {@link referenceGreedy}. */
export interface ReferenceGreedyOptions {
  /** Stop after generating one of these ids (it is included in the result). None by default. */
  stopTokenIds?: readonly number[];
  /** A cache to continue from and to fill; a fresh one when omitted. */
  cache?: ReferenceKvCache;
}

/** What {@link referenceGreedy} generated. */
export interface ReferenceGreedyResult {
  /** The generated ids, without the prompt. */
  tokens: number[];
  /** Per generated token, its logit minus the runner-up's: small values are near-ties. */
  margins: number[];
  /** True when generation ended on a stop token rather than on `maxNewTokens`. */
  stopped: boolean;
}

/**
 * Greedy decoding with {@link referenceForward}: one prefill of the prompt,
 * then one single-token step per new token, always taking the largest logit
 * (the first on a tie).
 *
 * @param architecture - `llama` or `qwen3`.
 * @param config - The model's Hugging Face `config.json`.
 * @param weights - Every tensor of the checkpoint by name, as float32.
 * @param promptIds - The prompt's token ids (at least one).
 * @param maxNewTokens - How many tokens to generate at most.
 * @param options - Stop tokens and a cache.
 * @throws ConfigError when the config is invalid or unsupported.
 * @throws TestKitError when `maxNewTokens` is not a non-negative integer, or
 *   for any reason {@link referenceForward} throws one.
 */
export function referenceGreedy(
  architecture: Architecture,
  config: HfDecoderConfig,
  weights: ReferenceWeights,
  promptIds: ArrayLike<number>,
  maxNewTokens: number,
  options: ReferenceGreedyOptions = {},
): ReferenceGreedyResult {
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new TestKitError({
      where: 'referenceGreedy',
      message: `maxNewTokens must be a non-negative integer, got ${maxNewTokens}.`,
      hint: 'Pass how many tokens to generate, for example 16.',
    });
  }
  const cache = options.cache ?? new ReferenceKvCache(resolveDecoderShape(architecture, config));
  const stop = new Set(options.stopTokenIds ?? []);
  const result: ReferenceGreedyResult = { tokens: [], margins: [], stopped: false };
  let input: ArrayLike<number> = promptIds;
  while (result.tokens.length < maxNewTokens) {
    const logits = referenceForward(architecture, config, weights, input, cache, { lastLogitsOnly: true });
    const { token, margin } = argmaxWithMargin(logits);
    result.tokens.push(token);
    result.margins.push(margin);
    if (stop.has(token)) {
      result.stopped = true;
      break;
    }
    input = [token];
  }
  return result;
}
