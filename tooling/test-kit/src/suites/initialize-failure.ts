import { join } from 'node:path';
import { type PioError, PioError as PioErrorClass, type TextModelPlugin } from '@pio/core';
import { expect } from 'vitest';

/**
 * Initializes a fresh plugin on `dir` (its build cache in `dir/.cache`),
 * expects it to reject with a `PioError` and to be left unloaded, cleans it
 * up and returns the error: the shared step of the model packages' error
 * tests.
 *
 * @param createPlugin makes a fresh, uninitialized plugin
 * @param dir the (broken) checkpoint
 * @param runtime runtime options (`{ dtype }`)
 */
export async function initializeFailure(
  createPlugin: () => Promise<TextModelPlugin> | TextModelPlugin,
  dir: string,
  runtime: Record<string, unknown> = {},
): Promise<PioError> {
  const plugin = await createPlugin();
  try {
    const error = await plugin.initialize({ checkpoint: dir, cacheDir: join(dir, '.cache'), runtime }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(PioErrorClass.isInstance(error), String(error)).toBe(true);
    expect(plugin.isLoaded).toBe(false);
    return error as PioError;
  } finally {
    await plugin.cleanup();
  }
}
