import type { PluginMetadata } from '../contract/plugin-metadata.js';
import { ManifestError, type ManifestIssue } from '../errors/manifest-error.js';
import { type PioEntryPoint, pioManifestSchema } from './pio-manifest.js';

/** A validated plugin package: its metadata and where its code is. */
export interface PluginPackage {
  /** Name, version and manifest fields. */
  metadata: PluginMetadata;
  /** Where the factory is. */
  entryPoint: PioEntryPoint;
  /** Absolute path of the package folder (real path, symlinks resolved). */
  packageDir: string;
  /** Absolute path of its package.json. */
  packageJsonPath: string;
  /** The whole parsed package.json (its `exports` map is needed to load the entry point). */
  packageJson: Record<string, unknown>;
}

/**
 * Validates a parsed package.json that has a `pio` key and turns it into a
 * {@link PluginPackage}. Imports nothing.
 *
 * @param fallbackName - Used in errors when the package.json has no usable name (the folder name).
 * @throws ManifestError listing every problem, each with its key path.
 */
export function readManifest(
  packageJson: Record<string, unknown>,
  location: { packageDir: string; packageJsonPath: string; fallbackName: string },
): PluginPackage {
  const issues: ManifestIssue[] = [];
  const name = typeof packageJson.name === 'string' && packageJson.name.length > 0 ? packageJson.name : undefined;
  const version = typeof packageJson.version === 'string' && packageJson.version.length > 0 ? packageJson.version : undefined;
  if (!name) issues.push({ path: 'name', message: 'must be the package name (a non-empty string)' });
  if (!version) issues.push({ path: 'version', message: 'must be the package version (a non-empty string)' });
  const parsed = pioManifestSchema.safeParse(packageJson.pio);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = ['pio', ...issue.path.map(String)].join('.');
      if (issue.code === 'unrecognized_keys') {
        // zod reports them on the parent object; name each key so a typo is easy to find.
        for (const key of issue.keys) {
          issues.push({ path: `${path}.${key}`, message: 'is not a known key (check its spelling, or remove it)' });
        }
      } else if (issue.path.length === 0 && issue.code === 'invalid_type') {
        issues.push({ path, message: 'must be an object: the plugin manifest (see docs/model-authors.md)' });
      } else {
        issues.push({ path, message: issue.message });
      }
    }
  }
  if (issues.length > 0 || !parsed.success || !name || !version) {
    throw new ManifestError({ packageName: name ?? location.fallbackName, file: location.packageJsonPath, issues });
  }
  const { entryPoint, specificationVersion: _version, ...fields } = parsed.data;
  return {
    metadata: { name, version, ...fields },
    entryPoint,
    packageDir: location.packageDir,
    packageJsonPath: location.packageJsonPath,
    packageJson,
  };
}
