import { performance } from 'node:perf_hooks';
import { defaultCacheDir, isTextModelPlugin, PioError } from '@pio/core';
import { demoCheckpointDir, ensureDemoCheckpoint } from '@pio/demo';
import type { CliIo } from '../io.js';
import type { RuntimeFlagOptions } from '../options/runtime-options.js';
import { runtimeFrom } from '../options/runtime-options.js';
import { createProgressDisplay, formatMs } from '../progress.js';
import { createManager } from './open-checkpoint.js';
import { findTrainedDemoModel } from './trained-demo-model.js';

/** The prompt of `pio demo` without one: the opening of a verse, for the model trained on the King James Bible. */
export const defaultDemoPrompt = 'And God said,';

/** The prompt of `pio demo` on random weights (no trained model installed). */
export const defaultRandomDemoPrompt = 'Once upon a time';

/** Options of `pio demo`, as commander parses them. */
export interface DemoOptions extends RuntimeFlagOptions {
  /** `-n`: tokens to generate. */
  maxNewTokens?: number;
  /** `--random`: run the random checkpoint even when the trained demo model is installed. */
  random?: boolean;
}

/**
 * `pio demo [prompt]`: runs the trained demo model (`@pio/demo-model`, a
 * small Llama trained on the King James Bible) through the whole stack and
 * says what each stage did: discovery of the installed plugins, the plugin
 * chosen for the checkpoint, graph build or build cache, session creation,
 * and a greedy generation streamed to stdout with its tokens/s. Without that
 * package (or with `random`), it writes (once) a small random Llama with the
 * real GPT-2 tokenizer under `<cache>/demo` and runs that: random weights
 * speak gibberish, but the path is the same.
 *
 * @returns the exit code.
 */
export async function demoCommand(io: CliIo, promptWords: readonly string[], options: DemoOptions): Promise<number> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();

  let started = performance.now();
  const trained = options.random ? undefined : await findTrainedDemoModel();
  const prompt = promptWords.join(' ') || (trained ? defaultDemoPrompt : defaultRandomDemoPrompt);
  let checkpoint: { dir: string };
  if (trained) {
    checkpoint = trained;
    io.err(
      `1. Checkpoint: the trained demo model (${(trained.parameters / 1e6).toFixed(1)}M-parameter Llama, trained on ${trained.data}) in ${trained.dir}\n`,
    );
  } else {
    const written = await ensureDemoCheckpoint(demoCheckpointDir(cacheDir));
    checkpoint = written;
    io.err(
      written.written
        ? `1. Checkpoint: wrote a random Llama (4 layers, GPT-2 tokenizer) to ${written.dir} in ${formatMs(performance.now() - started)}\n`
        : `1. Checkpoint: ${written.dir} (random weights, written earlier)\n`,
    );
  }

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

  io.err(trained ? '5. Generation (greedy, with the repetition penalty of its generation_config.json):\n\n' : '5. Generation (greedy; random weights, so gibberish):\n\n');
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
