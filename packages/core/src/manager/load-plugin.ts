import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exports as resolveExports } from 'resolve.exports';
import { type ModelPlugin, type PluginFactory, supportedSpecificationVersions } from '../contract/model-plugin.js';
import { PluginLoadError } from '../errors/plugin-load-error.js';
import type { PluginPackage } from '../manifest/read-manifest.js';

/** Export conditions used to pick a plugin's entry file; `@pio/source` first lets tests load TypeScript sources. */
export type LoadConditions = readonly string[];

/** Resolves the file of a plugin's `entryPoint.export` through its package.json `exports` map. */
export function resolveEntryFile(pkg: PluginPackage, conditions: LoadConditions): string {
  const { packageJson, entryPoint, metadata } = pkg;
  let target: string | undefined;
  if (packageJson.exports !== undefined) {
    try {
      target = resolveExports(packageJson, entryPoint.export, { conditions: [...conditions], unsafe: true })?.[0];
    } catch (cause) {
      throw new PluginLoadError({
        packageName: metadata.name,
        file: pkg.packageJsonPath,
        // resolve.exports says which: a missing subpath, or no entry for these conditions.
        reason: `its "exports" map does not resolve "${entryPoint.export}" (pio.entryPoint.export) for conditions ${conditions.join(', ')}: ${(cause as Error).message}`,
        cause,
      });
    }
  } else if (entryPoint.export === '.') {
    target = typeof packageJson.main === 'string' ? packageJson.main : './index.js';
  }
  if (!target) {
    throw new PluginLoadError({
      packageName: metadata.name,
      file: pkg.packageJsonPath,
      reason: `nothing in package.json resolves "${entryPoint.export}" for conditions ${conditions.join(', ')}`,
    });
  }
  const file = join(pkg.packageDir, target);
  if (!existsSync(file)) {
    throw new PluginLoadError({
      packageName: metadata.name,
      file,
      reason: 'the entry file does not exist',
      hint: `Build ${metadata.name} (\`pnpm --filter ${metadata.name} build\`) or reinstall it.`,
    });
  }
  return file;
}

/**
 * Imports a plugin's entry point, calls its factory and checks what it
 * returns. Nothing is initialized yet.
 *
 * @throws PluginLoadError when any step fails, with the cause attached.
 */
export async function loadPlugin(pkg: PluginPackage, conditions: LoadConditions): Promise<ModelPlugin> {
  const { metadata, entryPoint } = pkg;
  const file = resolveEntryFile(pkg, conditions);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new PluginLoadError({
      packageName: metadata.name,
      file,
      reason: `importing it failed: ${(cause as Error)?.message ?? String(cause)}`,
      cause,
    });
  }
  const factory = module[entryPoint.factory];
  if (typeof factory !== 'function') {
    const found = Object.keys(module).filter((key) => typeof module[key] === 'function');
    throw new PluginLoadError({
      packageName: metadata.name,
      file,
      reason: `it exports no function "${entryPoint.factory}" (pio.entryPoint.factory); exported functions: ${found.join(', ') || 'none'}`,
    });
  }
  return createPlugin(pkg, factory as PluginFactory, file);
}

/**
 * Calls a plugin factory and checks that it returns a plugin of a supported
 * specification version.
 *
 * @param file - Named in errors: the entry module, or package.json for registered factories.
 * @throws PluginLoadError when the factory throws or returns an unsupported plugin.
 */
export async function createPlugin(pkg: PluginPackage, factory: PluginFactory, file: string): Promise<ModelPlugin> {
  const { metadata, entryPoint } = pkg;
  let plugin: ModelPlugin;
  try {
    plugin = await (factory as PluginFactory)({ metadata, packageDir: pkg.packageDir });
  } catch (cause) {
    throw new PluginLoadError({
      packageName: metadata.name,
      file,
      reason: `its factory ${entryPoint.factory}() threw: ${(cause as Error)?.message ?? String(cause)}`,
      cause,
    });
  }
  const version = (plugin as Partial<ModelPlugin> | undefined)?.specificationVersion;
  if (!supportedSpecificationVersions.includes(version as never)) {
    throw new PluginLoadError({
      packageName: metadata.name,
      file,
      reason: `its plugin implements specification version ${JSON.stringify(version)}, but this @pio/core supports ${supportedSpecificationVersions.join(', ')}`,
      hint: `Install a version of ${metadata.name} that implements ${supportedSpecificationVersions.join(' or ')}, or upgrade @pio/core.`,
    });
  }
  return plugin;
}
