import { getLlama, type Token } from 'node-llama-cpp';
import { runJobMain } from '../run-engine.js';
import { type BatchJob, type BatchResult, measureBatch } from './batch-job.js';

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
  return measureBatch(job, {
    engine: 'llama.cpp',
    async openLevel(sequences) {
      const context = await model.createContext({
        sequences,
        contextSize: sequences * (longest + job.decodeTokens + 8),
        threads: job.threads,
      });
      const free = Array.from({ length: sequences }, () => context.getSequence());
      async function* generate(prompt: readonly number[]): AsyncIterable<number> {
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
      return { generate, dispose: () => context.dispose() };
    },
    dispose: () => model.dispose(),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runJobMain(measureLlamaCppBatch);
