import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PromptError } from '@pio/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoModelHeldOutText } from '../src/index.js';
import { type OpenedDemoModel, openDemoModel } from './open-demo-model.js';

let root: string;
let opened: OpenedDemoModel;
let ids: number[];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-demo-model-score-'));
  opened = await openDemoModel(root);
  ids = opened.plugin.tokenize(demoModelHeldOutText().slice(0, 700));
});
afterAll(async () => {
  await opened?.manager[Symbol.asyncDispose]();
  await rm(root, { recursive: true, force: true });
});

describe('scoreTokens on the trained model', () => {
  it("equals the log-softmax of infer()'s logits at each scored position", async () => {
    const from = 5;
    const { logProbs, argmax } = await opened.plugin.scoreTokens(ids, { from });
    const { logits, vocabSize } = await opened.plugin.infer({ inputIds: ids });
    expect(logProbs.length).toBe(ids.length - from);
    for (let position = from - 1; position < ids.length - 1; position++) {
      const row = logits.subarray(position * vocabSize, (position + 1) * vocabSize);
      let max = Number.NEGATIVE_INFINITY;
      let best = 0;
      row.forEach((value, index) => {
        if (value > max) [max, best] = [value, index];
      });
      const sum = row.reduce((total, value) => total + Math.exp(value - max), 0);
      expect(logProbs[position + 1 - from]).toBeCloseTo(row[ids[position + 1]!]! - max - Math.log(sum), 4);
      expect(argmax[position + 1 - from]).toBe(best);
    }
  });

  it('gives the same scores whatever the chunk size (one token at a time, 7, the whole window)', async () => {
    const whole = await opened.plugin.scoreTokens(ids, { from: 1, chunkTokens: 256 });
    for (const chunkTokens of [1, 7]) {
      const chunked = await opened.plugin.scoreTokens(ids, { from: 1, chunkTokens });
      for (let i = 0; i < whole.logProbs.length; i++) expect(chunked.logProbs[i]).toBeCloseTo(whole.logProbs[i]!, 4);
      expect(chunked.argmax).toEqual(whole.argmax);
    }
  });

  it('refuses a window of one token and ids outside the vocabulary before running anything', async () => {
    await expect(opened.plugin.scoreTokens([ids[0]!])).rejects.toSatisfy(PromptError.isInstance);
    await expect(opened.plugin.scoreTokens([1, 4096])).rejects.toThrow(/not a token of this model/);
  });
});
