import { ContextLengthError, PromptError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import {
  checkContextLength,
  generationRequest,
  maxNewTokensFor,
  promptIdsWithin,
  samplingSettingsFor,
  stopTokenIdsFor,
} from './generation-settings.js';

const noDefaults = { eosTokenIds: [] };

describe('promptIdsWithin', () => {
  it('checks the ids against the vocabulary', () => {
    expect(() => promptIdsWithin([], {}, 10, 8)).toThrow(PromptError);
    expect(() => promptIdsWithin([1, 10], {}, 10, 8)).toThrow(PromptError);
    expect(promptIdsWithin([1, 2, 3], {}, 10, 8)).toEqual([1, 2, 3]);
  });

  it('keeps a prompt too long for the context unless truncatePrompt, which keeps its end', () => {
    const ids = [1, 2, 3, 4, 5, 6];
    expect(promptIdsWithin(ids, { maxNewTokens: 4 }, 10, 8)).toEqual(ids);
    expect(promptIdsWithin(ids, { maxNewTokens: 4, truncatePrompt: true }, 10, 8)).toEqual([3, 4, 5, 6]);
    // Without maxNewTokens, room for one token is kept (the default budget is lowered instead).
    expect(promptIdsWithin([...ids, 7, 8], { truncatePrompt: true }, 10, 8)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    // At least one id stays.
    expect(promptIdsWithin(ids, { maxNewTokens: 20, truncatePrompt: true }, 10, 8)).toEqual([6]);
  });
});

describe('maxNewTokensFor', () => {
  it('takes an explicit budget as asked', () => {
    expect(maxNewTokensFor({ maxNewTokens: 100 }, { eosTokenIds: [], maxNewTokens: 5 }, 90, 64)).toBe(100);
  });

  it('lowers the default (generation_config, else 256) to the room left, never below 1', () => {
    expect(maxNewTokensFor({}, noDefaults, 10, 1000)).toBe(256);
    expect(maxNewTokensFor({}, { eosTokenIds: [], maxNewTokens: 20 }, 10, 1000)).toBe(20);
    expect(maxNewTokensFor({}, noDefaults, 10, 50)).toBe(40);
    expect(maxNewTokensFor({}, noDefaults, 50, 50)).toBe(1);
  });
});

describe('checkContextLength', () => {
  it('refuses a prompt and budget beyond the context', () => {
    expect(() => checkContextLength(6, 2, 8)).not.toThrow();
    expect(() => checkContextLength(6, 3, 8)).toThrow(ContextLengthError);
  });
});

describe('stopTokenIdsFor', () => {
  it('lists the config, generation_config, call and tokenizer ids once each, in that order', () => {
    expect(stopTokenIdsFor([2, 3], { eosTokenIds: [3, 4] }, 5, [6, 2])).toEqual([2, 3, 4, 6, 5]);
    expect(stopTokenIdsFor([2], noDefaults, 2)).toEqual([2]);
    expect(stopTokenIdsFor([], noDefaults, undefined)).toEqual([]);
  });
});

describe('samplingSettingsFor', () => {
  it('is greedy unless generation_config sets do_sample', () => {
    const defaults = { eosTokenIds: [], temperature: 0.6, topK: 20, topP: 0.9, repetitionPenalty: 1.1 };
    expect(samplingSettingsFor({}, defaults)).toEqual({
      temperature: 0,
      topK: 0,
      topP: 1,
      minP: 0,
      repetitionPenalty: 1.1,
      presencePenalty: 0,
      frequencyPenalty: 0,
    });
    expect(samplingSettingsFor({ seed: 7, topK: 5 }, { ...defaults, doSample: true })).toEqual({
      temperature: 0.6,
      topK: 5,
      topP: 0.9,
      minP: 0,
      repetitionPenalty: 1.1,
      presencePenalty: 0,
      frequencyPenalty: 0,
      seed: 7,
    });
  });
});

describe('generationRequest', () => {
  const context = { contextLength: 16, eosTokenIds: [0], defaults: noDefaults, tokenizer: undefined };

  it('gives the loop the budget, stops, sampling and a decoder', () => {
    const signal = new AbortController().signal;
    const request = generationRequest([1, 2, 3], { stop: ['\n'], stopTokenIds: [9], signal }, context);
    expect(request).toMatchObject({
      promptIds: [1, 2, 3],
      maxNewTokens: 13,
      stopTokenIds: [0, 9],
      stopStrings: ['\n'],
      signal,
    });
    expect(request.sampling?.temperature).toBe(0);
    // Without a tokenizer, the text of the deltas is empty.
    expect(request.decode([1, 2])).toBe('');
  });

  it('refuses an explicit budget that does not fit', () => {
    expect(() => generationRequest([1, 2, 3], { maxNewTokens: 14 }, context)).toThrow(ContextLengthError);
  });
});
