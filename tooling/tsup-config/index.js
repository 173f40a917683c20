import { defineConfig } from 'tsup';

/**
 * The build every PIO package shares: ESM for Node 20, declarations,
 * source maps, a clean `dist/`. Pass extra entries (a `bin`, a worker) or
 * overrides when a package needs them.
 *
 * @param {import('./index.js').PioTsupOptions} [options]
 */
export function definePackageConfig(options = {}) {
  const { entry = ['src/index.ts'], ...rest } = options;
  return defineConfig({
    entry,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: false,
    treeshake: true,
    ...rest,
  });
}
