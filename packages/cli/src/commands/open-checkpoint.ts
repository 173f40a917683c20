import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CheckpointError,
  isTextModelPlugin,
  PluginManager,
  type ProgressCallback,
  type RuntimeFields,
  type TextModelPlugin,
} from '@pio/core';
import { isRepoId, resolveModelPath } from '@pio/hub';
import type { CliIo } from '../io.js';

/** Export conditions this process runs with (`--conditions`/`-C`), so plugins resolve as the CLI itself did. */
export function processConditions(): string[] {
  const conditions: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--conditions=')) conditions.push(arg.slice('--conditions='.length));
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1]) conditions.push(args[++i]!);
  }
  return conditions;
}

/** A plugin manager that discovers from the working directory and the CLI's own install. */
export function createManager(io: CliIo): PluginManager {
  return new PluginManager({
    roots: [io.cwd, dirname(fileURLToPath(import.meta.url))],
    conditions: [...processConditions(), 'import', 'default'],
  });
}

/** An open text model and the manager that owns it (dispose the manager to release it). */
export interface OpenedCheckpoint {
  /** The manager; `await using` it. */
  manager: PluginManager;
  /** The initialized plugin. */
  plugin: TextModelPlugin;
  /** The plugin package's name. */
  pluginName: string;
  /** The checkpoint folder or `.gguf` file (a pulled repo id resolved). */
  dir: string;
  /** Milliseconds to discover, load and initialize. */
  loadMs: number;
}

/**
 * The folder a checkpoint argument names: a path, or `owner/name` of a model
 * `pio pull` downloaded (an existing folder of that name wins).
 *
 * @throws ModelNotFoundError (from `@pio/hub`) for a repo id that is neither a folder nor pulled.
 */
export function resolveCheckpointDir(io: CliIo, checkpoint: string, cacheDir?: string): string {
  return isRepoId(checkpoint)
    ? resolveModelPath(checkpoint, { cwd: io.cwd, ...(cacheDir ? { cacheDir } : {}) })
    : resolve(io.cwd, checkpoint);
}

/**
 * Finds the plugin for a checkpoint folder (or `.gguf` file), activates it and returns it ready
 * to generate.
 *
 * @throws CheckpointError when the folder does not exist; the errors of discovery and activation otherwise.
 */
export async function openCheckpoint(
  io: CliIo,
  checkpoint: string,
  runtime: Partial<RuntimeFields>,
  options: { cacheDir?: string; onProgress?: ProgressCallback } = {},
): Promise<OpenedCheckpoint> {
  const started = performance.now();
  const dir = resolveCheckpointDir(io, checkpoint, options.cacheDir);
  const isGgufFile = dir.endsWith('.gguf') && existsSync(dir) && statSync(dir).isFile();
  if (!isGgufFile && (!existsSync(dir) || !statSync(dir).isDirectory())) {
    throw new CheckpointError({
      file: dir,
      reason: 'no such folder',
      hint: 'Give the path of a Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json) or of a .gguf file.',
    });
  }
  const manager = createManager(io);
  await manager.discover();
  const record = await manager.findForCheckpoint(dir);
  const plugin = await manager.activate(record.metadata.name, {
    checkpoint: dir,
    runtime,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (!isTextModelPlugin(plugin)) {
    await manager[Symbol.asyncDispose]();
    throw new CheckpointError({ file: dir, reason: `${record.metadata.name} is not a text model plugin` });
  }
  return { manager, plugin, pluginName: record.metadata.name, dir, loadMs: performance.now() - started };
}
