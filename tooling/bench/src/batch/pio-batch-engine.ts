import type { GenerationDelta, Prompt } from '@pio/core';
import { openPioPlugin } from '../engines/pio-engine.js';
import { runJobMain } from '../run-engine.js';
import { type BatchJob, type BatchResult, measureBatch } from './batch-job.js';

/** The batched entry point of every PIO text plugin (`TextModelPlugin.generate`). */
interface GeneratingPlugin {
  generate(prompt: Prompt, options: { maxNewTokens: number; temperature: number }): AsyncIterable<GenerationDelta>;
}

/**
 * Measures PIO's continuous batching: for each level, that many concurrent
 * `plugin.generate` calls (greedy, token-id prompts), which the plugin runs as
 * one batch (`maxBatchSize` = the largest level).
 */
export async function measurePioBatch(job: BatchJob): Promise<BatchResult> {
  const longest = Math.max(...job.prompts.map((prompt) => prompt.length));
  const { plugin, manager } = await openPioPlugin(job, {
    maxBatchSize: Math.max(...job.levels),
    // A usual context (the pool grows with the sequences, not with it); also what bounds prompts prefilled together.
    maxContextLength: Math.max(2048, longest + job.decodeTokens + 1),
  });
  const generating = plugin as GeneratingPlugin;
  async function* generate(prompt: readonly number[]): AsyncIterable<number> {
    const deltas = generating.generate({ inputIds: prompt }, { maxNewTokens: job.decodeTokens, temperature: 0 });
    for await (const delta of deltas) if (delta.type === 'token') yield delta.tokenId;
  }
  // One plugin for every level: its batch takes up to the largest.
  return measureBatch(job, {
    engine: 'pio',
    openLevel: async () => ({ generate }),
    dispose: () => manager[Symbol.asyncDispose](),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runJobMain(measurePioBatch);
