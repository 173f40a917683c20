import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ModelPlugin, type PluginFactory, readManifest } from '@pio/core';

/**
 * Makes a fresh, uninitialized plugin of the model package in `packageDir`:
 * its package.json's `pio` manifest gives the metadata handed to `factory`,
 * as discovery would.
 *
 * @param packageDir the model package folder
 * @param factory the package's plugin factory
 */
export async function createPackagePlugin<Plugin extends ModelPlugin>(
  packageDir: string,
  factory: PluginFactory<Plugin>,
): Promise<Plugin> {
  const packageJsonPath = join(packageDir, 'package.json');
  const packageJson = JSON.parse(await readFile(packageJsonPath, 'utf8')) as Record<string, unknown>;
  const { metadata } = readManifest(packageJson, {
    packageDir,
    packageJsonPath,
    fallbackName: String(packageJson.name),
  });
  return factory({ metadata, packageDir });
}
