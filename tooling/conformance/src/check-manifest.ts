import { basename, join, relative } from 'node:path';
import { ManifestError, type PluginPackage, readManifest, resolveEntryFile } from '@pio/core';
import type { ConformanceProblem } from './conformance-report.js';
import { findExportedNames } from './find-exported-names.js';

const file = 'package.json';
const manifestFix = 'Fix the "pio" key of package.json (field by field in docs/model-authors.md).';

/**
 * Validates the `pio` manifest with @pio/core's `readManifest` (the check
 * discovery runs), then resolves `pio.entryPoint.export` through the
 * `exports` map under the `@pio/source` condition and checks that the file
 * exports `pio.entryPoint.factory`. Imports nothing.
 */
export async function checkManifest(json: Record<string, unknown>, packageDir: string): Promise<ConformanceProblem[]> {
  if (!('pio' in json)) {
    return [
      {
        file,
        problem: 'there is no "pio" key, so discovery does not see this package as a plugin',
        fix: `Add the "pio" manifest as \`pnpm new-model ${basename(packageDir)}\` writes it. ${manifestFix}`,
      },
    ];
  }
  let pkg: PluginPackage;
  try {
    pkg = readManifest(json, {
      packageDir,
      packageJsonPath: join(packageDir, file),
      fallbackName: basename(packageDir),
    });
  } catch (error) {
    if (!ManifestError.isInstance(error)) throw error;
    return (
      error.issues
        // Name and version are reported by the package.json checks already.
        .filter((issue) => issue.path !== 'name' && issue.path !== 'version')
        .map((issue) => ({ file, problem: `"${issue.path}" ${issue.message}`, fix: manifestFix }))
    );
  }
  const { entryPoint } = pkg;
  let entryFile: string;
  try {
    entryFile = resolveEntryFile(pkg, ['@pio/source']);
  } catch (error) {
    return [
      {
        file,
        problem: `"pio.entryPoint.export" (${JSON.stringify(entryPoint.export)}) does not lead to a source file: ${(error as Error).message}`,
        fix: 'Point it at a subpath of "exports" whose "@pio/source" condition names an existing file ("." gives ./src/index.ts).',
      },
    ];
  }
  const names = await findExportedNames(entryFile);
  if (!names.has(entryPoint.factory)) {
    return [
      {
        file: relative(packageDir, entryFile),
        problem: `does not export "${entryPoint.factory}", the factory named by "pio.entryPoint.factory"`,
        fix: `Export it by name, for example \`export { ${entryPoint.factory} } from './plugin.js';\`, or fix "pio.entryPoint.factory".`,
      },
    ];
  }
  return [];
}
