import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type PioError, type TextModelPlugin } from '@pio/core';
import { decoderWeightShapes, resolveDecoderShape } from '@pio/demo';
import { type TensorToWrite, writeSafetensors } from '@pio/safetensors';
import { afterAll, beforeAll, expect } from 'vitest';
import { copyCheckpoint, editCheckpointConfig } from '../checkpoint/edit-checkpoint.js';
import {
  type RandomCheckpoint,
  type RandomCheckpointOptions,
  writeRandomCheckpoint,
} from '../checkpoint/write-random-checkpoint.js';
import { TestKitError } from '../errors/test-kit-error.js';
import { initializeFailure } from './initialize-failure.js';

/** What {@link useBrokenCheckpoints} starts from. */
export interface BrokenCheckpointsOptions {
  /** Makes a fresh, uninitialized plugin of the package under test. */
  createPlugin: () => Promise<TextModelPlugin> | TextModelPlugin;
  /** The good checkpoint every broken one is copied from. */
  checkpoint: RandomCheckpointOptions;
}

/** A good checkpoint and the steps of an errors test that breaks copies of it. */
export interface BrokenCheckpoints {
  /** The good checkpoint (written in `beforeAll`). */
  readonly good: RandomCheckpoint;
  /** The temporary folder holding it and the broken copies, for other files a test writes (removed in `afterAll`). */
  readonly root: string;
  /** A fresh copy of the good checkpoint to break; returns its folder. */
  copyOfGood(): Promise<string>;
  /** Initializes a fresh plugin on `dir` (build cache `dir/.cache`), expects a `PioError` and returns it (see {@link initializeFailure}). */
  initializeFailure(dir: string, runtime?: Record<string, unknown>): Promise<PioError>;
  /**
   * Copies the good checkpoint, sets `edit`'s keys in its config.json
   * (`undefined` removes one), initializes a fresh plugin on the copy and
   * expects a `ConfigError` with nothing built in its cache; returns the copy
   * and the error.
   */
  configError(
    edit: Record<string, unknown>,
    runtime?: Record<string, unknown>,
  ): Promise<{ dir: string; error: ConfigError }>;
  /** Rewrites `dir/model.safetensors` with the good checkpoint's tensors, after `edit` changed the name → tensor map. */
  rewriteWeights(dir: string, edit: (tensors: Record<string, TensorToWrite>) => void): Promise<void>;
}

/**
 * The shared set-up of the model packages' errors tests: registers
 * `beforeAll`/`afterAll` hooks that write a good random checkpoint in a
 * temporary folder and remove the folder, and returns the steps that break
 * copies of it and initialize the plugin on them.
 */
export function useBrokenCheckpoints(options: BrokenCheckpointsOptions): BrokenCheckpoints {
  let root: string;
  let good: RandomCheckpoint | undefined;
  let copies = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-errors-'));
    good = await writeRandomCheckpoint(join(root, 'good'), options.checkpoint);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const written = (): RandomCheckpoint => {
    if (!good) {
      throw new TestKitError({
        where: 'useBrokenCheckpoints',
        message: 'the good checkpoint is written in beforeAll, so it does not exist yet',
        hint: 'Use it inside a test or a hook, not while the describe blocks are collected.',
      });
    }
    return good;
  };

  return {
    get good() {
      return written();
    },
    get root() {
      written();
      return root;
    },
    copyOfGood: () => copyCheckpoint(written().dir, join(root, `broken-${copies++}`)),
    initializeFailure: (dir, runtime = {}) => initializeFailure(options.createPlugin, dir, runtime),
    async configError(edit, runtime = {}) {
      const dir = await copyCheckpoint(written().dir, join(root, `broken-${copies++}`));
      await editCheckpointConfig(dir, edit);
      const error = await initializeFailure(options.createPlugin, dir, runtime);
      expect(ConfigError.isInstance(error), String(error)).toBe(true);
      expect(await readdir(join(dir, '.cache')).catch(() => [])).toEqual([]);
      return { dir, error: error as ConfigError };
    },
    async rewriteWeights(dir, edit) {
      const checkpoint = written();
      const shapes = decoderWeightShapes(resolveDecoderShape(checkpoint.arch, checkpoint.config));
      const tensors: Record<string, TensorToWrite> = {};
      for (const [name, data] of checkpoint.weights) tensors[name] = { dtype: 'F32', shape: shapes.get(name)!, data };
      edit(tensors);
      await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
    },
  };
}
