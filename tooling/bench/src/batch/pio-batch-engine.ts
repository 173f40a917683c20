import { readFile } from 'node:fs/promises';
import type { GenerationDelta, Prompt } from '@pio/core';
import { peakRssBytes } from '../engines/engine-job.js';
import { openPioPlugin } from '../engines/pio-engine.js';
import { type BatchJob, type BatchLevelResult, type BatchResult, timeLevel } from './batch-job.js';

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
  async function* tokens(prompt: readonly number[]): AsyncIterable<number> {
    const deltas = generating.generate({ inputIds: prompt }, { maxNewTokens: job.decodeTokens, temperature: 0 });
    for await (const delta of deltas) if (delta.type === 'token') yield delta.tokenId;
  }
  const levels: BatchLevelResult[] = [];
  for (const sequences of job.levels) {
    await timeLevel(sequences, job.prompts.slice(job.prompts.length / 2), tokens);
    levels.push(await timeLevel(sequences, job.prompts, tokens));
  }
  const result: BatchResult = { engine: 'pio', levels, peakRssBytes: peakRssBytes() };
  await manager[Symbol.asyncDispose]();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const job = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as BatchJob;
  process.stdout.write(`${JSON.stringify(await measurePioBatch(job))}\n`);
}
