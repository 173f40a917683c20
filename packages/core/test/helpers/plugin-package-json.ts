import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The `pio` manifest of a valid model plugin; `overrides` replace top-level keys. */
export function pioManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specificationVersion: 'v1',
    type: 'model',
    displayName: 'Test Llama',
    description: 'A test plugin for Llama-shaped checkpoints.',
    author: 'PIO tests',
    license: 'MIT',
    architectures: ['LlamaForCausalLM'],
    modelTypes: ['llama'],
    family: 'Llama',
    size: '135M',
    parameters: 134515008,
    requiredMemoryGb: 0.6,
    modalities: ['text'],
    tags: ['text-generation'],
    compatibility: { core: '^0.1.0', node: '>=20' },
    entryPoint: { export: '.', factory: 'createPlugin' },
    ...overrides,
  };
}

/** A package.json of a valid plugin package named `name`; `pio` overrides manifest keys. */
export function pluginPackageJson(
  name: string,
  options: { version?: string; pio?: Record<string, unknown>; extra?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    name,
    version: options.version ?? '1.0.0',
    type: 'module',
    exports: { '.': { import: './index.js' }, './package.json': './package.json' },
    pio: pioManifest(options.pio),
    ...options.extra,
  };
}

/** A fresh folder in the OS temp dir, as a real path (macOS' /tmp is a symlink). */
export function makeTempDir(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}
