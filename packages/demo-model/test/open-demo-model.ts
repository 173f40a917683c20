import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTextModelPlugin, PluginManager, type RuntimeFields, type TextModelPlugin } from '@pio/core';
import { isTokenScorer, type TokenScorer } from '@pio/engine';
import { demoModelDir } from '../src/index.js';

/** The demo model opened the way hosts open it: discovery from this package, then the plugin for its folder. */
export interface OpenedDemoModel {
  manager: PluginManager;
  plugin: TextModelPlugin & TokenScorer;
}

/** Opens the demo model with `runtime` (dtype, ...), caching builds under `cacheDir`. */
export async function openDemoModel(cacheDir: string, runtime: Partial<RuntimeFields> = {}): Promise<OpenedDemoModel> {
  const manager = new PluginManager({
    roots: [dirname(fileURLToPath(import.meta.url))],
    conditions: ['@pio/source', 'import', 'default'],
  });
  await manager.discover();
  const record = await manager.findForCheckpoint(demoModelDir());
  const plugin = await manager.activate(record.metadata.name, { checkpoint: demoModelDir(), cacheDir, runtime });
  if (!isTextModelPlugin(plugin) || !isTokenScorer(plugin)) throw new Error(`${record.metadata.name} cannot score tokens`);
  return { manager, plugin };
}

/**
 * Perplexity of `ids` with windows of `context` tokens every `stride`
 * (transformers' perplexity guide), from per-window log-probabilities
 * `score(window, from)` of `window[from..]`.
 */
export async function windowedPerplexity(
  ids: readonly number[],
  context: number,
  stride: number,
  score: (window: readonly number[], from: number) => Promise<Float64Array>,
): Promise<{ perplexity: number; scored: number }> {
  let nll = 0;
  let scored = 0;
  let scoredUpTo = 1;
  for (let begin = 0; ; begin += stride) {
    const end = Math.min(begin + context, ids.length);
    const from = Math.max(1, scoredUpTo - begin);
    for (const logProb of await score(ids.slice(begin, end), from)) nll -= logProb;
    scored += end - begin - from;
    scoredUpTo = end;
    if (end === ids.length) break;
  }
  return { perplexity: Math.exp(nll / scored), scored };
}
