import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConformanceProblem } from './conformance-report.js';

/** Files every model package has, and why. */
const requiredFiles: ReadonlyArray<readonly [path: string, fix: string]> = [
  ['README.md', 'Write a README: what the package runs, which checkpoints, how to use it.'],
  ['src/index.ts', 'Add src/index.ts re-exporting the config class, the plugin and its factory by name.'],
  ['src/config.ts', "Add src/config.ts with the model's config class, a DecoderConfig (or BaseConfig) subclass (see docs/model-authors.md)."],
  ['src/plugin.ts', 'Add src/plugin.ts with the plugin class and its factory.'],
  ['tsconfig.json', 'Add tsconfig.json extending "@pio/tsconfig/base.json".'],
  ['tsup.config.ts', 'Add tsup.config.ts exporting definePackageConfig() from "@pio/tsup-config".'],
  ['vitest.config.ts', 'Add vitest.config.ts exporting definePioProject(import.meta.url) from "@pio/vitest-preset".'],
];

/**
 * The files every model package has: README, `src/{index,config,plugin}.ts`,
 * the three tool configs, tests (`src/plugin.test.ts` or a `test/` folder)
 * of which one calls `describeConformance`, and `benchmarks/*.bench.ts`.
 */
export async function checkRequiredFiles(packageDir: string): Promise<ConformanceProblem[]> {
  const problems: ConformanceProblem[] = [];
  for (const [path, fix] of requiredFiles) {
    const size = await fileSize(join(packageDir, path));
    if (size === undefined) problems.push({ file: path, problem: 'is missing', fix });
    else if (size === 0) problems.push({ file: path, problem: 'is empty', fix });
  }

  const testFiles = [
    ...(await listFiles(packageDir, 'src')).filter((path) => path.endsWith('.test.ts')),
    ...(await listFiles(packageDir, 'test')).filter((path) => path.endsWith('.test.ts')),
  ];
  if (!testFiles.includes('src/plugin.test.ts') && !testFiles.some((path) => path.startsWith('test/'))) {
    problems.push({
      file: 'src/plugin.test.ts',
      problem: 'is missing, and there is no test/ folder with *.test.ts files either',
      fix: 'Add src/plugin.test.ts calling describeConformance from "@pio/conformance".',
    });
  }
  const texts = await Promise.all(testFiles.map((path) => readFile(join(packageDir, path), 'utf8').catch(() => '')));
  if (testFiles.length > 0 && !texts.some((text) => text.includes('describeConformance('))) {
    problems.push({
      file: testFiles.includes('src/plugin.test.ts') ? 'src/plugin.test.ts' : testFiles[0]!,
      problem: 'no test file calls describeConformance, so the shared contract checks never run',
      fix: "Call describeConformance({ packageDir, createPlugin }) from '@pio/conformance' in src/plugin.test.ts.",
    });
  }

  const benchmarks = (await listFiles(packageDir, 'benchmarks', false)).filter((path) => path.endsWith('.bench.ts'));
  if (benchmarks.length === 0) {
    problems.push({
      file: 'benchmarks',
      problem: 'holds no *.bench.ts script',
      fix: 'Add benchmarks/<name>.bench.ts, run by the "bench" script, writing its numbers to benchmarks/results/.',
    });
  }
  return problems;
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/** Files under `dir` (relative to the package, `/`-separated); none when it does not exist. */
async function listFiles(packageDir: string, dir: string, recursive = true): Promise<string[]> {
  try {
    const entries = await readdir(join(packageDir, dir), { recursive, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() && !entry.parentPath.includes('node_modules'))
      .map((entry) =>
        join(entry.parentPath, entry.name)
          .slice(packageDir.length + 1)
          .split('\\')
          .join('/'),
      );
  } catch {
    return [];
  }
}
