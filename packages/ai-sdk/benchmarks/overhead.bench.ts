// What the provider costs on top of the plugin: the same greedy generation
// (the demo model, 128 new tokens) streamed through
// `streamText` of the real `ai` package and straight from `plugin.generate`,
// alternating in one process, best of N rounds each. Prints one JSON object.
//
//   pnpm --filter @pio/ai-sdk bench [-- --rounds 5 --tokens 128 --dtype float32]
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { demoModelDir } from '@pio/demo-model';
import { streamText } from 'ai';
import { createPio } from '../src/index.js';

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    rounds: { type: 'string', default: '5' },
    tokens: { type: 'string', default: '128' },
    dtype: { type: 'string', default: 'float32' },
  },
});
const rounds = Number(values.rounds);
const tokens = Number(values.tokens);
const prompt = 'And God said,';
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

const pio = createPio({ roots: [packageDir], runtime: { dtype: values.dtype as 'float32' } });
const model = pio(demoModelDir());
const opened = await model.model();
// Greedy; each run checks that it generated exactly `tokens` tokens (the prompt's continuation has no EOS that early).
const settings = { maxNewTokens: tokens, temperature: 0 };

async function direct(): Promise<number> {
  const started = performance.now();
  let count = 0;
  for await (const delta of opened.plugin.generate!(prompt, settings)) if (delta.type === 'token') count++;
  if (count !== tokens) throw new Error(`direct: ${count} tokens`);
  return performance.now() - started;
}

async function viaProvider(): Promise<number> {
  const started = performance.now();
  const result = streamText({ model, prompt, maxOutputTokens: tokens, temperature: 0 });
  for await (const _ of result.textStream);
  const usage = await result.usage;
  if (usage.outputTokens !== tokens) throw new Error(`provider: ${usage.outputTokens} tokens`);
  return performance.now() - started;
}

await direct();
await viaProvider();
const times = { direct: [] as number[], provider: [] as number[] };
for (let round = 0; round < rounds; round++) {
  times.direct.push(await direct());
  times.provider.push(await viaProvider());
}
const best = (list: number[]) => Math.min(...list);
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
console.log(
  JSON.stringify(
    {
      model: '@pio/demo-model',
      dtype: values.dtype,
      tokens,
      rounds,
      loadMs: Math.round(opened.loadMs),
      directMs: { best: best(times.direct), median: median(times.direct) },
      providerMs: { best: best(times.provider), median: median(times.provider) },
      providerOverheadPerTokenMs: (median(times.provider) - median(times.direct)) / tokens,
      providerOverMedianRatio: median(times.provider) / median(times.direct),
    },
    null,
    2,
  ),
);
await pio.close();
