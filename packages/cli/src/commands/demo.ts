import { performance } from 'node:perf_hooks';
import { defaultCacheDir, isTextModelPlugin, PioError } from '@pio/core';
import { demoCheckpointDir, ensureDemoCheckpoint } from '@pio/demo';
import type { CliIo } from '../io.js';
import type { RuntimeFlagOptions } from '../options/runtime-options.js';
import { runtimeFrom } from '../options/runtime-options.js';
import { createProgressDisplay, formatMs } from '../progress.js';
import { createManager } from './open-checkpoint.js';

/** Options of `pio demo`, as commander parses them. */
export interface DemoOptions extends RuntimeFlagOptions {
  /** `-n`: tokens to generate. */
  maxNewTokens?: number;
}

/**
 * `pio demo [prompt]`: writes (once) a small random Llama checkpoint with the
 * real GPT-2 tokenizer under `<cache>/demo`, then runs it through the whole
 * stack and says what each stage did: discovery of the installed plugins, the
 * plugin chosen for the checkpoint, graph build or build cache, session
 * creation, and a greedy generation streamed to stdout. Random weights speak
 * gibberish: the demo shows the path, not the prose.
 *
 * @returns the exit code.
 */
export async function demoCommand(io: CliIo, promptWords: readonly string[], options: DemoOptions): Promise<number> {
  const prompt = promptWords.join(' ') || 'Once upon a time';
  const cacheDir = options.cacheDir ?? defaultCacheDir();

  let started = performance.now();
  const checkpoint = await ensureDemoCheckpoint(demoCheckpointDir(cacheDir));
  io.err(
    checkpoint.written
      ? `1. Checkpoint: wrote a random Llama (4 layers, GPT-2 tokenizer) to ${checkpoint.dir} in ${formatMs(performance.now() - started)}\n`
      : `1. Checkpoint: ${checkpoint.dir} (written earlier)\n`,
  );

  await using manager = createManager(io);
  const discovery = await manager.discover();
  io.err(
    `2. Discovery: ${discovery.plugins.length} model plugins in ${formatMs(discovery.durationMs)} (${discovery.packagesScanned} packages in ${discovery.searched.length} node_modules folders): ${discovery.plugins
      .map((plugin) => `${plugin.metadata.name}@${plugin.metadata.version}`)
      .join(', ')}\n`,
  );
  for (const problem of discovery.problems) io.err(`   ${problem.severity}: ${problem.error.message.split('\n')[0]}\n`);

  const record = await manager.findForCheckpoint(checkpoint.dir);
  io.err(`3. Plugin: ${record.metadata.name} handles ${record.metadata.architectures.join(', ')}\n`);

  started = performance.now();
  const progress = createProgressDisplay(io, { lines: false });
  let plugin: Awaited<ReturnType<typeof manager.activate>>;
  try {
    plugin = await manager.activate(record.metadata.name, {
      checkpoint: checkpoint.dir,
      runtime: runtimeFrom(options),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      onProgress: progress.onProgress,
    });
  } finally {
    progress.stop();
  }
  const ready = performance.now();
  const built = progress.phases.has('build-graph');
  const session = progress.phases.get('create-session');
  const beforeSession = (session?.startedAt ?? ready) - started;
  io.err(
    `4. Load: plugin code, config, tokenizer and ${built ? 'graph build (saved to the build cache)' : 'graph from the build cache'} ${formatMs(beforeSession)}; onnxruntime session ${session ? formatMs(session.ms) : '?'}; ready in ${formatMs(ready - started)}\n`,
  );
  if (!isTextModelPlugin(plugin) || !plugin.generate) {
    throw new PioError({ code: 'PIO_USAGE', message: `${record.metadata.name} cannot generate text.` });
  }

  io.err('5. Generation (greedy; random weights, so gibberish):\n\n');
  io.out(prompt);
  for await (const delta of plugin.generate(prompt, { maxNewTokens: options.maxNewTokens ?? 48, temperature: 0 })) {
    io.out(delta.text);
    if (delta.type === 'finish') {
      const { usage } = delta;
      io.out('\n');
      io.err(
        `\n${usage.completionTokens} tokens (${delta.finishReason}) · ${usage.promptTokens}-token prompt · first token ${formatMs(usage.timeToFirstTokenMs)} · ${usage.tokensPerSecond.toFixed(1)} tokens/s\n`,
      );
    }
  }
  return 0;
}
