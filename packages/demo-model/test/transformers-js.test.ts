import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env, type PreTrainedModel, Tensor } from '@huggingface/transformers';
import type { DecoderTextPlugin } from '@pio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoModelHeldOutText } from '../src/index.js';
import { type OpenedDemoModel, openDemoModel, windowedPerplexity } from './open-demo-model.js';

const context = 256;
const stride = 128;
/** The held-out text's first chapters: about 2,000 tokens, 15 windows. */
const text = demoModelHeldOutText().slice(0, 8000);

let root: string;
let opened: OpenedDemoModel;
let model: PreTrainedModel;
let ids: number[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-demo-model-transformers-js-'));
  opened = await openDemoModel(join(root, 'cache'));
  await (opened.plugin as unknown as DecoderTextPlugin<never>).exportTransformersJs(join(root, 'demo'));
  env.allowRemoteModels = false;
  env.localModelPath = root;
  model = await AutoModelForCausalLM.from_pretrained('demo');
  ids = opened.plugin.tokenize(text);
});
afterAll(async () => {
  await model?.dispose();
  await opened?.manager[Symbol.asyncDispose]();
  await rm(root, { recursive: true, force: true });
});

/** log-softmax of transformers.js logits at each scored position of one window. */
async function transformersJsScores(window: readonly number[], from: number): Promise<Float64Array> {
  const shape = [1, window.length];
  const { logits } = (await model({
    input_ids: new Tensor('int64', BigInt64Array.from(window, BigInt), shape),
    attention_mask: new Tensor('int64', new BigInt64Array(window.length).fill(1n), shape),
  })) as { logits: Tensor };
  const vocab = logits.dims[2]!;
  const data = logits.data as Float32Array;
  const out = new Float64Array(window.length - from);
  for (let position = from - 1; position < window.length - 1; position++) {
    const row = data.subarray(position * vocab, (position + 1) * vocab);
    let max = Number.NEGATIVE_INFINITY;
    for (const value of row) max = Math.max(max, value);
    let sum = 0;
    for (const value of row) sum += Math.exp(value - max);
    out[position + 1 - from] = row[window[position + 1]!]! - max - Math.log(sum);
  }
  return out;
}

describe('the demo model exported for transformers.js', () => {
  it('tokenizes the held-out text to the same ids', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained('demo');
    expect(Array.from(tokenizer.encode(text))).toEqual(ids);
  });

  it("gives the same sliding-window perplexity as PIO's scoreTokens", async () => {
    const pio = await windowedPerplexity(ids, context, stride, async (window, from) =>
      (await opened.plugin.scoreTokens(window, { from })).logProbs,
    );
    const transformersJs = await windowedPerplexity(ids, context, stride, transformersJsScores);
    expect(pio.scored).toBe(ids.length - 1);
    expect(pio.perplexity).toBeGreaterThan(1);
    expect(pio.perplexity).toBeLessThan(200);
    expect(Math.abs(transformersJs.perplexity / pio.perplexity - 1)).toBeLessThan(1e-4);
  });
});
