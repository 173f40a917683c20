import { ContextLengthError, type GenerateOptions } from '@pio/core';
import { checkPromptIds } from '../generation/check-prompt-ids.js';
import type { GenerateTokensOptions } from '../generation/generate-tokens.js';
import type { SamplingSettings } from '../generation/sampler.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import type { GenerationDefaults } from './generation-config.js';

// What one generation runs with, from the call's options and the checkpoint's defaults.

/** Tokens generated when neither the call nor generation_config.json says how many. */
const defaultMaxNewTokens = 256;

/**
 * The prompt's ids, checked against the vocabulary; with `truncatePrompt`,
 * only its end when it leaves no room for an explicit `maxNewTokens` (or,
 * without one, for a single token: the default is then lowered instead).
 * At least one id is always kept.
 *
 * @throws PromptError for an empty prompt or an id outside the vocabulary.
 */
export function promptIdsWithin(
  promptIds: number[],
  options: Pick<GenerateOptions, 'maxNewTokens' | 'truncatePrompt'>,
  vocabSize: number,
  contextLength: number,
): number[] {
  checkPromptIds(promptIds, vocabSize);
  const room = options.maxNewTokens ?? 1;
  const excess = promptIds.length + room - contextLength;
  return options.truncatePrompt && excess > 0 ? promptIds.slice(Math.min(excess, promptIds.length - 1)) : promptIds;
}

/**
 * Tokens to generate after a prompt of `promptTokens`: an explicit
 * `maxNewTokens` as asked ({@link checkContextLength} refuses it when it does
 * not fit); the default (generation_config's `max_new_tokens`, else 256)
 * lowered to the room left in the context, but never below 1 (a prompt that
 * fills the context is then refused by {@link checkContextLength}).
 */
export function maxNewTokensFor(
  options: Pick<GenerateOptions, 'maxNewTokens'>,
  defaults: GenerationDefaults,
  promptTokens: number,
  contextLength: number,
): number {
  if (options.maxNewTokens !== undefined) return options.maxNewTokens;
  const byDefault = defaults.maxNewTokens ?? defaultMaxNewTokens;
  return Math.max(1, Math.min(byDefault, contextLength - promptTokens));
}

/**
 * Refuses a generation that does not fit the context.
 *
 * @throws ContextLengthError when `promptTokens + maxNewTokens` exceed `contextLength`.
 */
export function checkContextLength(promptTokens: number, maxNewTokens: number, contextLength: number): void {
  if (promptTokens + maxNewTokens > contextLength) {
    throw new ContextLengthError({ promptTokens, maxNewTokens, contextLength });
  }
}

/**
 * The ids that end a generation, each once: the config's EOS ids, those of
 * generation_config.json, the call's `extra` ones, then the tokenizer's EOS.
 */
export function stopTokenIdsFor(
  configEosTokenIds: readonly number[],
  defaults: GenerationDefaults,
  tokenizerEosTokenId: number | undefined,
  extra: readonly number[] = [],
): number[] {
  const ids = new Set([...configEosTokenIds, ...defaults.eosTokenIds, ...extra]);
  if (tokenizerEosTokenId !== undefined) ids.add(tokenizerEosTokenId);
  return [...ids];
}

/**
 * The sampler's settings: each option as given, else from generation_config
 * (temperature, top-k, top-p only when it sets `do_sample`: greedy
 * otherwise; its repetition penalty always), else neutral.
 */
export function samplingSettingsFor(options: GenerateOptions, defaults: GenerationDefaults): SamplingSettings {
  const sampleByDefault = defaults.doSample === true;
  return {
    temperature: options.temperature ?? (sampleByDefault ? (defaults.temperature ?? 1) : 0),
    topK: options.topK ?? (sampleByDefault ? (defaults.topK ?? 0) : 0),
    topP: options.topP ?? (sampleByDefault ? (defaults.topP ?? 1) : 1),
    minP: options.minP ?? 0,
    repetitionPenalty: options.repetitionPenalty ?? defaults.repetitionPenalty ?? 1,
    presencePenalty: options.presencePenalty ?? 0,
    frequencyPenalty: options.frequencyPenalty ?? 0,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
}

/** What {@link generationRequest} reads besides the call's options: the model's side. */
export interface GenerationContext {
  /** The context length in force. */
  contextLength: number;
  /** The config's end-of-sequence ids. */
  eosTokenIds: readonly number[];
  /** The checkpoint's generation_config.json. */
  defaults: GenerationDefaults;
  /** The tokenizer, to stream text; without one the deltas carry ids and empty text. */
  tokenizer: TextTokenizer | undefined;
}

/**
 * One sequence's request to the generation loop (without a constraint):
 * its budget ({@link maxNewTokensFor}, checked against the context), its
 * stops ({@link stopTokenIdsFor}, the call's stop strings), its sampling
 * ({@link samplingSettingsFor}) and how to decode its text.
 *
 * @param promptIds the prompt, already checked (see {@link promptIdsWithin})
 * @throws ContextLengthError when the prompt and the budget do not fit the context.
 */
export function generationRequest(
  promptIds: readonly number[],
  options: GenerateOptions,
  context: GenerationContext,
): GenerateTokensOptions {
  const { defaults, tokenizer } = context;
  const maxNewTokens = maxNewTokensFor(options, defaults, promptIds.length, context.contextLength);
  checkContextLength(promptIds.length, maxNewTokens, context.contextLength);
  return {
    promptIds,
    maxNewTokens,
    stopTokenIds: stopTokenIdsFor(context.eosTokenIds, defaults, tokenizer?.eosTokenId, options.stopTokenIds),
    stopStrings: options.stop ?? [],
    sampling: samplingSettingsFor(options, defaults),
    decode: (ids) => (tokenizer ? tokenizer.decode(ids, { skipSpecialTokens: true }) : ''),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}
