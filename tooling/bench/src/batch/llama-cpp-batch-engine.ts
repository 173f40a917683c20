import { readFile } from 'node:fs/promises';
import { getLlama, type Token } from 'node-llama-cpp';
import { peakRssBytes } from '../engines/engine-job.js';
import { type BatchJob, type BatchLevelResult, type BatchResult, timeLevel } from './batch-job.js';

/**
 * Measures llama.cpp decoding several sequences in one context: for each
 * level, a context with that many sequences (`createContext({ sequences })`),
 * each sequence evaluating its prompt and greedy tokens concurrently, which
 * node-llama-cpp batches into shared `llama_decode` calls. A sequence stops at
 * an end-of-generation token, as PIO's do.
 */
export async function measureLlamaCppBatch(job: BatchJob): Promise<BatchResult> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  const model = await llama.loadModel({ modelPath: job.model });
  const longest = Math.max(...job.prompts.map((prompt) => prompt.length));
  const levels: BatchLevelResult[] = [];
  for (const sequences of job.levels) {
    const context = await model.createContext({
      sequences,
      contextSize: sequences * (longest + job.decodeTokens + 8),
      threads: job.threads,
    });
    const free = Array.from({ length: sequences }, () => context.getSequence());
    async function* tokens(prompt: readonly number[]): AsyncIterable<number> {
      const sequence = free.pop()!;
      try {
        await sequence.clearHistory();
        let count = 0;
        for await (const token of sequence.evaluate(prompt as Token[], { temperature: 0, yieldEogToken: true })) {
          yield token;
          if (++count >= job.decodeTokens || model.isEogToken(token)) break;
        }
      } finally {
        free.push(sequence);
      }
    }
    await timeLevel(sequences, job.prompts.slice(job.prompts.length / 2), tokens);
    levels.push(await timeLevel(sequences, job.prompts, tokens));
    await context.dispose();
  }
  const result: BatchResult = { engine: 'llama.cpp', levels, peakRssBytes: peakRssBytes() };
  await model.dispose();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const job = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as BatchJob;
  process.stdout.write(`${JSON.stringify(await measureLlamaCppBatch(job))}\n`);
}
