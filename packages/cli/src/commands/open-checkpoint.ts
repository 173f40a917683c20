import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultLoadConditions,
  type OpenedTextModel,
  openTextModel,
  PluginManager,
  type ProgressCallback,
  type RuntimeFields,
} from '@pio/core';
import { isRepoId, resolveModelPath } from '@pio/hub';
import type { CliIo } from '../io.js';

/** Folders the CLI discovers plugins from: the working directory, then the CLI's own install. */
function discoveryRoots(io: CliIo): string[] {
  return [io.cwd, dirname(fileURLToPath(import.meta.url))];
}

/** A plugin manager that discovers from the working directory and the CLI's own install. */
export function createManager(io: CliIo): PluginManager {
  return new PluginManager({ roots: discoveryRoots(io), conditions: defaultLoadConditions() });
}

/** An open text model (see `openTextModel` of `@pio/core`) and the checkpoint path it was opened from. */
export interface OpenedCheckpoint extends OpenedTextModel {
  /** The checkpoint folder or `.gguf` file (a pulled repo id resolved). */
  dir: string;
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
 * Finds the plugin for a checkpoint folder (or `.gguf` file, or remote descriptor), activates it
 * and returns it ready to generate: `openTextModel` of `@pio/core` with the CLI's discovery roots
 * and a pulled repo id resolved.
 *
 * @throws CheckpointError when the checkpoint does not exist; NotATextModelError; the errors of discovery and activation otherwise.
 */
export async function openCheckpoint(
  io: CliIo,
  checkpoint: string,
  runtime: Partial<RuntimeFields>,
  options: { cacheDir?: string; onProgress?: ProgressCallback } = {},
): Promise<OpenedCheckpoint> {
  const dir = resolveCheckpointDir(io, checkpoint, options.cacheDir);
  const opened = await openTextModel({
    checkpoint: dir,
    roots: discoveryRoots(io),
    runtime,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return Object.assign(opened, { dir });
}
