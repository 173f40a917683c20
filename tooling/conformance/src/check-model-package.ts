import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { checkManifest } from './check-manifest.js';
import { checkPackageJson } from './check-package-json.js';
import { checkRequiredFiles } from './check-required-files.js';
import type { ConformanceProblem, ConformanceReport } from './conformance-report.js';
import { findEmptyFolders } from './find-empty-folders.js';

/**
 * Checks that a `models/*` package has the files and package.json shape every
 * model package shares: the name `@pio/model-<folder>`, the common package.json
 * fields and `exports` map, a `pio` manifest that @pio/core's `readManifest`
 * accepts, an entry point that exports the manifest's factory, the required
 * files (README, src/index|config|plugin.ts, tests calling describeConformance,
 * benchmarks/*.bench.ts, tsconfig/tsup/vitest configs), and no empty folder.
 *
 * Never throws for a bad package: every problem is in the report, with the
 * file at fault and what to do.
 *
 * @param dir - The package folder (for example `models/llama`).
 */
export async function checkModelPackage(dir: string): Promise<ConformanceReport> {
  const packageDir = resolve(dir);
  const expectedName = `@pio/model-${basename(packageDir)}`;
  const problems: ConformanceProblem[] = [];
  const report = { packageDir, expectedName, problems };
  try {
    const info = await stat(packageDir).catch(() => undefined);
    if (!info?.isDirectory()) {
      problems.push({
        file: '.',
        problem: `${packageDir} is not a folder`,
        fix: 'Pass the folder of a model package.',
      });
      return report;
    }
    const json = await readPackageJson(packageDir, problems);
    if (json) {
      problems.push(...checkPackageJson(json, expectedName));
      problems.push(...(await checkManifest(json, packageDir)));
    }
    problems.push(...(await checkRequiredFiles(packageDir)));
    for (const folder of await findEmptyFolders(packageDir)) {
      problems.push({
        file: folder,
        problem: 'is an empty folder',
        fix: 'Delete it: folders such as attention/ or kv-cache/ exist only when they hold code.',
      });
    }
  } catch (error) {
    // A check that crashes (an unreadable folder, a bug) still ends up in the report, not in a throw.
    problems.push({
      file: '.',
      problem: `the check could not finish: ${(error as Error)?.message ?? String(error)}`,
      fix: 'Make the package folder readable; if it is, report this as a bug of @pio/conformance.',
    });
  }
  return report;
}

async function readPackageJson(
  packageDir: string,
  problems: ConformanceProblem[],
): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(join(packageDir, 'package.json'), 'utf8');
  } catch {
    problems.push({
      file: 'package.json',
      problem: 'is missing',
      fix: `Generate the package with \`pnpm new-model ${basename(packageDir)}\` instead of writing it by hand.`,
    });
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    problems.push({
      file: 'package.json',
      problem: `is not valid JSON: ${(error as Error).message}`,
      fix: 'Fix its syntax.',
    });
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    problems.push({ file: 'package.json', problem: 'does not hold a JSON object', fix: 'Make it an object.' });
    return undefined;
  }
  return json as Record<string, unknown>;
}
