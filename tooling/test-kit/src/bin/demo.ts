/**
 * The repository's demo: writes (once) a small random Llama checkpoint with a
 * real GPT-2 tokenizer, then runs it through the whole stack — discovery of
 * the installed model plugins, the plugin for the checkpoint, graph build (or
 * the build cache), onnxruntime, greedy generation streamed to stdout.
 * Random weights speak gibberish: the point is the path, not the prose.
 *
 * Run from the repository root: `pnpm demo [prompt]`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultCacheDir, isTextModelPlugin, PluginManager } from '@pio/core';
import { writeRandomCheckpoint } from '../checkpoint/write-random-checkpoint.js';

const prompt = process.argv.slice(2).join(' ') || 'Once upon a time';
const cacheDir = defaultCacheDir();
const checkpoint = join(cacheDir, 'demo', 'llama-demo-v1');

if (!existsSync(join(checkpoint, 'config.json'))) {
  process.stderr.write(`Writing the demo checkpoint to ${checkpoint} ...\n`);
  await writeRandomCheckpoint(checkpoint, {
    arch: 'llama',
    tokenizer: 'gpt2',
    seed: 2026,
    config: {
      hidden_size: 128,
      intermediate_size: 384,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      max_position_embeddings: 2048,
      tie_word_embeddings: true,
    },
  });
}

// Run the workspace's plugins from source (the same condition the tests use); installed ones load from dist.
await using manager = new PluginManager({ roots: [process.cwd()], conditions: ['@pio/source', 'import', 'default'] });
const discovery = await manager.discover();
process.stderr.write(
  `Discovered ${discovery.plugins.length} model plugins in ${Math.round(discovery.durationMs)} ms: ${discovery.plugins
    .map((plugin) => `${plugin.metadata.name}@${plugin.metadata.version}`)
    .join(', ')}\n`,
);
for (const problem of discovery.problems) process.stderr.write(`${problem.severity}: ${problem.error.message}\n`);

const record = await manager.findForCheckpoint(checkpoint);
const started = performance.now();
const plugin = await manager.activate(record.metadata.name, {
  checkpoint,
  onProgress: (event) => {
    if (event.phase === 'build-graph' && event.completed === event.total) process.stderr.write('Graph built.\n');
  },
});
process.stderr.write(`${record.metadata.name} ready in ${Math.round(performance.now() - started)} ms.\n\n`);
if (!isTextModelPlugin(plugin) || !plugin.generate) throw new Error(`${record.metadata.name} cannot generate text`);

process.stdout.write(prompt);
for await (const delta of plugin.generate(prompt, { maxNewTokens: 48 })) {
  if (delta.type === 'token') process.stdout.write(delta.text);
  else {
    const { usage } = delta;
    process.stdout.write(`${delta.text}\n\n`);
    process.stderr.write(
      `${usage.completionTokens} tokens (${delta.finishReason}), first after ${Math.round(usage.timeToFirstTokenMs)} ms, ${usage.tokensPerSecond.toFixed(1)} tokens/s\n`,
    );
  }
}
