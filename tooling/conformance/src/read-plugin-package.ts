import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type PluginPackage, readManifest } from '@pio/core';

/**
 * Reads a model package's package.json and validates its `pio` manifest, as
 * discovery does: the metadata a test passes to the package's factory.
 *
 * @param packageDir - The model package folder.
 * @throws ManifestError when the manifest is invalid; the fs error when package.json cannot be read.
 */
export async function readPluginPackage(packageDir: string): Promise<PluginPackage> {
  const dir = resolve(packageDir);
  const packageJsonPath = join(dir, 'package.json');
  const json = JSON.parse(await readFile(packageJsonPath, 'utf8')) as Record<string, unknown>;
  return readManifest(json, { packageDir: dir, packageJsonPath, fallbackName: basename(dir) });
}
