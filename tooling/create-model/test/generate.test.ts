import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkModelPackage, formatConformanceReport, readPluginPackage } from '@pio/conformance';
import { coreVersion, discoverPlugins } from '@pio/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedModelPackage, generateModelPackage, modelNames } from '../src/index.js';
import { linkDependencies } from './helpers/link-dependencies.js';
import { runCommand } from './helpers/run-command.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const modelsDir = join(repoRoot, 'models');
const suffix = randomBytes(3).toString('hex');
const name = `zz-gen-${suffix}`;
// A dot-folder inside models/: the package sits where real ones do (resolving the
// repository's node_modules the same way), but pnpm's and vitest's `models/*`
// globs and the conformance sweep of models/ skip it while other work runs.
const workDir = join(modelsDir, `.create-model-test-${suffix}`);
const staleAfterMs = 60 * 60 * 1000;

describe('a generated model package', () => {
  let generated: GeneratedModelPackage;
  let dir: string;
  let appDir: string | undefined;

  beforeAll(async () => {
    await removeStaleWorkDirs();
    generated = await generateModelPackage({ name, targetDir: workDir });
    dir = generated.dir;
    await linkDependencies(dir, repoRoot);
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
    if (appDir) await rm(appDir, { recursive: true, force: true });
  });

  it('has the files and manifest of a model package named after the model', async () => {
    expect(generated.packageName).toBe(`@pio/model-${name}`);
    expect(dir).toBe(join(workDir, name));
    expect(generated.files).toEqual([
      'README.md',
      `benchmarks/${name}.bench.ts`,
      'package.json',
      `src/architecture/build-${name}-graph.ts`,
      'src/config.test.ts',
      'src/config.ts',
      'src/index.ts',
      'src/plugin.test.ts',
      'src/plugin.ts',
      'tsconfig.json',
      'tsup.config.ts',
      'vitest.config.ts',
    ]);
    const json = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const { pascal } = modelNames(name);
    expect(pascal).toBe(`ZzGen${suffix[0]!.toUpperCase()}${suffix.slice(1)}`);
    expect(json.pio).toMatchObject({
      specificationVersion: 'v1',
      type: 'model',
      displayName: pascal,
      modelTypes: [`zz_gen_${suffix}`],
      architectures: [`${pascal}ForCausalLM`],
      compatibility: { core: `^${coreVersion}`, node: '>=20' },
      entryPoint: { export: '.', factory: `create${pascal}Plugin` },
    });
    expect(generated.factoryName).toBe(`create${pascal}Plugin`);
    expect(json.dependencies).toMatchObject({
      '@pio/core': 'workspace:^',
      '@pio/engine': 'workspace:^',
      '@pio/onnx': 'workspace:^',
    });
    expect(json.devDependencies['@pio/conformance']).toBe('workspace:*');
  });

  it('passes checkModelPackage', async () => {
    const report = await checkModelPackage(dir);
    expect(report.problems, formatConformanceReport(report)).toEqual([]);
  });

  it('is found by discovery, untouched, from an app that installs it', async () => {
    const before = await snapshot(dir);
    appDir = await mkdtemp(join(tmpdir(), 'pio-create-model-app-'));
    await mkdir(join(appDir, 'node_modules/@pio'), { recursive: true });
    await symlink(dir, join(appDir, 'node_modules', generated.packageName), 'dir');

    const result = await discoverPlugins({ roots: [appDir] });
    const found = result.plugins.find((plugin) => plugin.metadata.name === generated.packageName);
    expect(found, JSON.stringify(result.problems.map((problem) => problem.error.message))).toBeDefined();
    expect(found?.packageDir).toBe(await realpath(dir));
    expect(found?.metadata).toEqual((await readPluginPackage(dir)).metadata);
    expect(found?.metadata.version).toBe('0.0.0');
    expect(result.problems.filter((problem) => problem.packageName === generated.packageName)).toEqual([]);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('type-checks', async () => {
    const { code, output } = await runCommand('npx', ['tsc', '--noEmit', '-p', dir], repoRoot);
    expect(code, output).toBe(0);
  });

  it('lints', async () => {
    const { code, output } = await runCommand('npx', ['biome', 'lint', '.'], dir);
    expect(code, output).toBe(0);
  });

  it('passes its own tests, the conformance suite among them', async () => {
    const report = join(workDir, 'vitest-report.json');
    const { code, output } = await runCommand(
      'npx',
      ['vitest', 'run', '--root', dir, '--reporter=json', `--outputFile=${report}`],
      repoRoot,
    );
    expect(code, output).toBe(0);
    const results = JSON.parse(await readFile(report, 'utf8')) as {
      numFailedTests: number;
      numPassedTests: number;
      testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }>;
    };
    const titles = results.testResults.flatMap((file) => file.assertionResults.map((test) => test.fullName));
    expect(results.numFailedTests).toBe(0);
    expect(results.numPassedTests).toBe(titles.length);
    expect(titles).toContain(
      `conformance of @pio/model-${name} has the files and package.json shape of every model package`,
    );
    expect(titles.filter((title) => title.startsWith('conformance of')).length).toBeGreaterThanOrEqual(8);
    // The generated plugin runs: the round trip loads a random checkpoint, infers and generates.
    const roundTrip = titles.filter((title) =>
      title.startsWith(`conformance of @pio/model-${name} round trip on a checkpoint`),
    );
    expect(roundTrip.length, titles.join('\n')).toBeGreaterThanOrEqual(6);
    expect(titles).toContain(
      `conformance of @pio/model-${name} round trip on a checkpoint generates greedily within maxNewTokens, the same every time`,
    );
  });

  it('runs its benchmark with node --import tsx', async () => {
    const { code, output } = await runCommand(
      process.execPath,
      ['--conditions=@pio/source', '--import', 'tsx', `benchmarks/${name}.bench.ts`],
      dir,
    );
    expect(code, output).toBe(0);
    const result = JSON.parse(await readFile(join(dir, `benchmarks/results/${name}.json`), 'utf8'));
    expect(result).toMatchObject({ benchmark: 'config-parse', package: `@pio/model-${name}`, iterations: 2000 });
    expect(result.medianUs).toBeGreaterThan(0);
    expect(result.p95Us).toBeGreaterThanOrEqual(result.medianUs);
  });

  it('builds with tsup into a dist whose factory plain Node can call', async () => {
    const build = await runCommand('npx', ['tsup'], dir);
    expect(build.code, build.output).toBe(0);
    expect(existsSync(join(dir, 'dist/index.d.ts'))).toBe(true);
    const { metadata } = await readPluginPackage(dir);
    const script = [
      `const module = await import(${JSON.stringify(pathToFileURL(join(dir, 'dist/index.js')).href)});`,
      `const plugin = await module[${JSON.stringify(generated.factoryName)}](${JSON.stringify({ metadata, packageDir: dir })});`,
      'console.log(JSON.stringify({ version: plugin.specificationVersion, name: plugin.metadata.name, isLoaded: plugin.isLoaded }));',
    ].join('\n');
    const run = await runCommand(process.execPath, ['--input-type=module', '-e', script], dir);
    expect(run.code, run.output).toBe(0);
    expect(JSON.parse(run.output.trim().split('\n').at(-1)!)).toEqual({
      version: 'v1',
      name: generated.packageName,
      isLoaded: false,
    });
  });
});

/** Path and hash of every file of the package except installed and built ones. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || path.includes('node_modules') || path.includes(`${dir}/dist`)) continue;
    files[path.slice(dir.length + 1)] = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  }
  return files;
}

/** Work folders left by a run that was killed before its afterAll. */
async function removeStaleWorkDirs(): Promise<void> {
  for (const entry of await readdir(modelsDir)) {
    if (!entry.startsWith('.create-model-test-')) continue;
    const path = join(modelsDir, entry);
    if (Date.now() - (await stat(path)).mtimeMs > staleAfterMs) await rm(path, { recursive: true, force: true });
  }
}
