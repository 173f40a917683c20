/**
 * `pnpm bench:multi-turn`: time to first token of the second turn of a chat
 * on the SmolLM2-135M shape: a history of ~500 tokens (a 470-token first
 * prompt and its 32-token answer) plus 30 new tokens, with prefix reuse (the
 * plugin's cache still holds the first turn) against a cold start of the
 * same full prompt. Writes benchmarks/results/multi-turn.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dtype, GenerationDelta } from '@pio/core';
import {
  createPlugin,
  extraCacheDir,
  median,
  packageDir,
  promptIds,
  runtime,
  smolLm2Checkpoint,
} from './smollm2-setup.js';

const firstPrompt = 470;
const firstAnswer = 32;
const newTokens = 30;
const rounds = 4;

interface TurnUsage {
  ttftMs: number;
  promptTokens: number;
  cachedPromptTokens: number;
}

async function finish(stream: AsyncGenerator<GenerationDelta>): Promise<{ ids: number[]; usage: TurnUsage }> {
  const ids: number[] = [];
  for await (const delta of stream) {
    if (delta.type === 'token') ids.push(delta.tokenId);
    else if (delta.type === 'finish') {
      const { timeToFirstTokenMs, promptTokens, cachedPromptTokens } = delta.usage;
      return { ids, usage: { ttftMs: timeToFirstTokenMs, promptTokens, cachedPromptTokens: cachedPromptTokens ?? 0 } };
    }
  }
  throw new Error('no finish delta');
}

const { dir, regularTokens } = await smolLm2Checkpoint();
const results = [];
for (const dtype of ['float32', 'int4'] as Dtype[]) {
  const plugin = await createPlugin();
  await plugin.initialize({ checkpoint: dir, cacheDir: extraCacheDir(dtype), runtime: runtime(dtype) });
  // Warm-up: the first runs of each session allocate.
  await finish(plugin.generate({ inputIds: promptIds(64, regularTokens, 99) }, { maxNewTokens: 4 }));
  const warm: TurnUsage[] = [];
  const cold: TurnUsage[] = [];
  for (let round = 0; round < rounds; round++) {
    const first = promptIds(firstPrompt, regularTokens, round);
    await plugin.forward([1], { reset: true });
    const answer = await finish(plugin.generate({ inputIds: first }, { maxNewTokens: firstAnswer }));
    const second = [...first, ...answer.ids, ...promptIds(newTokens, regularTokens, round + 50)];
    warm.push((await finish(plugin.generate({ inputIds: second }, { maxNewTokens: 2 }))).usage);
    await plugin.forward([1], { reset: true });
    cold.push((await finish(plugin.generate({ inputIds: second }, { maxNewTokens: 2 }))).usage);
    process.stderr.write(
      `${dtype} round ${round}: second turn of ${second.length} tokens: reuse ${warm.at(-1)!.ttftMs.toFixed(0)} ms (${warm.at(-1)!.cachedPromptTokens} cached), cold ${cold.at(-1)!.ttftMs.toFixed(0)} ms\n`,
    );
  }
  await plugin.cleanup();
  results.push({
    dtype,
    promptTokens: warm[0]!.promptTokens,
    cachedPromptTokens: warm[0]!.cachedPromptTokens,
    reuseTtftMs: median(warm.map((u) => u.ttftMs)),
    coldTtftMs: median(cold.map((u) => u.ttftMs)),
    reuseRunsMs: warm.map((u) => Math.round(u.ttftMs)),
    coldRunsMs: cold.map((u) => Math.round(u.ttftMs)),
  });
}
const resultsDir = join(packageDir, 'benchmarks', 'results');
await mkdir(resultsDir, { recursive: true });
await writeFile(
  join(resultsDir, 'multi-turn.json'),
  `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`,
);
console.table(results.map(({ reuseRunsMs: _r, coldRunsMs: _c, ...row }) => row));
