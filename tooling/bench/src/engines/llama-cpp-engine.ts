import { performance } from 'node:perf_hooks';
import { readGgufHeader } from '@pio/gguf';
import { getLlama, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { runJobMain } from '../run-engine.js';
import { type EngineJob, type EngineResult, type PromptTiming, peakRssBytes, promptTiming } from './engine-job.js';

async function timePrompt(
  sequence: LlamaContextSequence,
  prompt: number[],
  decodeTokens: number,
): Promise<PromptTiming> {
  await sequence.clearHistory();
  const tokens: number[] = [];
  const started = performance.now();
  let first = 0;
  for await (const token of sequence.evaluate(prompt as Token[], { temperature: 0, yieldEogToken: true })) {
    if (tokens.length === 0) first = performance.now();
    tokens.push(token);
    if (tokens.length >= decodeTokens) break;
  }
  return promptTiming(prompt.length, tokens, started, first, performance.now());
}

/** Measures llama.cpp (node-llama-cpp's prebuilt CPU binary) on a GGUF file. */
export async function measureLlamaCpp(job: EngineJob): Promise<EngineResult> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  const model = await llama.loadModel({ modelPath: job.model });
  const context = await model.createContext({ contextSize: job.contextSize, threads: job.threads, sequences: 1 });
  const sequence = context.getSequence();
  const loadMs = performance.now();
  const start = await timePrompt(sequence, job.startPrompt, 1);
  const startToFirstTokenMs = loadMs + start.timeToFirstTokenMs;
  const prompts: PromptTiming[] = [];
  for (const prompt of job.prompts) prompts.push(await timePrompt(sequence, prompt, job.decodeTokens));
  const header = await readGgufHeader(job.model);
  const result: EngineResult = {
    engine: 'llama.cpp',
    loadMs,
    startToFirstTokenMs,
    prompts,
    peakRssBytes: peakRssBytes(),
    weightBytes: header.tensors.reduce((sum, tensor) => sum + tensor.byteLength, 0),
  };
  await context.dispose();
  await model.dispose();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await runJobMain(measureLlamaCpp);
