import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addPnpmPackage, linkPackage, storeFolderName } from '../test/helpers/pnpm-layout.js';

/** What the generated node_modules holds. */
export interface FixtureSummary {
  /** The app folder to discover from. */
  appDir: string;
  /** Packages linked into app/node_modules. */
  packages: number;
  /** Of those, packages with a `pio` key (valid, broken and incompatible). */
  pluginPackages: number;
  /** Of those, valid and compatible plugins. */
  validPlugins: number;
  /** Scoped packages. */
  scoped: number;
  /** Bytes of all linked packages' package.json files. */
  packageJsonBytes: number;
  /** Smallest and largest package.json, bytes. */
  packageJsonMinBytes: number;
  packageJsonMaxBytes: number;
}

/** Bump when the layout changes, so an old fixture is rebuilt. */
const fixtureVersion = 4;

/** A small deterministic PRNG (mulberry32), so every run builds the same tree. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words = [
  'core',
  'util',
  'parse',
  'stream',
  'fs',
  'json',
  'http',
  'path',
  'color',
  'glob',
  'ast',
  'lint',
  'test',
  'types',
  'cli',
  'config',
  'cache',
  'queue',
  'buffer',
  'crypto',
];

/**
 * Builds (once) a pnpm-style app in `root`: `count` packages in
 * `app/node_modules/.pnpm`, each linked from `app/node_modules`, about 5% of
 * them plugins, a quarter scoped, with package.json files from a few hundred
 * bytes to ~100 kB like a real install. Reuses an existing complete fixture.
 */
export function generateFixture(root: string, count = 1000): FixtureSummary {
  const marker = join(root, 'fixture.json');
  if (existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as {
      version: number;
      count: number;
      summary: FixtureSummary;
    };
    if (saved.version === fixtureVersion && saved.count === count) return saved.summary;
  }
  rmSync(root, { recursive: true, force: true });
  const rand = random(20251123);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const appDir = join(root, 'app');
  const nodeModules = join(appDir, 'node_modules');
  addPnpmPackage(nodeModules, 'app', '0.0.0', { 'package.json': { name: 'app', private: true } }, { link: false });
  writeFileSync(join(root, 'README.txt'), 'Fixture of packages/core/benchmarks/discovery.bench.ts; safe to delete.\n');

  // onnxruntime-node, as plugins depend on it: linked next to each plugin in the store.
  const onnxruntime = addPnpmPackage(nodeModules, 'onnxruntime-node', '1.30.0', {
    'package.json': { name: 'onnxruntime-node', version: '1.30.0', main: 'dist/index.js' },
  });

  const summary: FixtureSummary = {
    appDir,
    packages: 1,
    pluginPackages: 0,
    validPlugins: 0,
    scoped: 0,
    packageJsonBytes: 0,
    packageJsonMinBytes: Number.POSITIVE_INFINITY,
    packageJsonMaxBytes: 0,
  };
  const names = new Set<string>(['onnxruntime-node']);
  for (let index = 1; index < count; index++) {
    const scoped = rand() < 0.25;
    let name: string;
    do {
      const base = `${pick(words)}-${pick(words)}${index % 7 === 0 ? '-js' : ''}`;
      name = scoped ? `@${pick(['acme', 'types', 'babel', 'vitest', 'pio', 'aws-sdk'])}/${base}` : base;
      if (names.has(name)) name = `${name}-${index}`;
    } while (names.has(name));
    names.add(name);
    const version = `${Math.floor(rand() * 5)}.${Math.floor(rand() * 20)}.${Math.floor(rand() * 30)}`;
    // Every 20th package is a plugin: 5%. Among those, a few are broken or too new.
    const pluginKind =
      index % 20 === 0 ? (index % 400 === 0 ? 'broken' : index % 300 === 0 ? 'incompatible' : 'valid') : undefined;
    const packageJson = packageJsonFor(name, version, rand, pluginKind);
    const text = `${JSON.stringify(packageJson, null, 2)}\n`;
    const realDir = addPnpmPackage(nodeModules, name, version, { 'package.json': text, 'index.js': 'export {};\n' });
    if (pluginKind)
      linkPackage(
        join(nodeModules, '.pnpm', storeFolderName(name, version), 'node_modules'),
        'onnxruntime-node',
        onnxruntime,
      );
    // pnpm's hidden hoisting folder links everything again; discovery must not enter it.
    linkPackage(join(nodeModules, '.pnpm', 'node_modules'), name, realDir);
    summary.packages++;
    if (scoped) summary.scoped++;
    if (pluginKind) summary.pluginPackages++;
    if (pluginKind === 'valid') summary.validPlugins++;
    summary.packageJsonBytes += Buffer.byteLength(text);
    summary.packageJsonMinBytes = Math.min(summary.packageJsonMinBytes, Buffer.byteLength(text));
    summary.packageJsonMaxBytes = Math.max(summary.packageJsonMaxBytes, Buffer.byteLength(text));
  }
  writeFileSync(join(nodeModules, '.modules.yaml'), 'layoutVersion: 5\nnodeLinker: isolated\n');
  writeFileSync(marker, JSON.stringify({ version: fixtureVersion, count, summary }, null, 2));
  return summary;
}

function packageJsonFor(
  name: string,
  version: string,
  rand: () => number,
  pluginKind: 'valid' | 'broken' | 'incompatible' | undefined,
): Record<string, unknown> {
  const size = rand();
  // Most package.json files are small; some carry big exports maps or metadata (typescript, aws-sdk, ...).
  const subpaths =
    size < 0.6
      ? 0
      : size < 0.9
        ? 2 + Math.floor(rand() * 10)
        : size < 0.99
          ? 30 + Math.floor(rand() * 60)
          : 250 + Math.floor(rand() * 250);
  const json: Record<string, unknown> = {
    name,
    version,
    description: `The ${name} package: ${'does one small thing well. '.repeat(1 + Math.floor(rand() * 4))}`,
    keywords: ['node', 'javascript', name.split('/').pop()],
    homepage: `https://github.com/example/${name.replace('/', '-')}#readme`,
    repository: { type: 'git', url: `git+https://github.com/example/${name.replace('/', '-')}.git` },
    license: 'MIT',
    author: 'Example Author <author@example.com>',
    type: rand() < 0.5 ? 'module' : 'commonjs',
    main: './index.js',
    types: './index.d.ts',
    files: ['dist', 'index.js', 'index.d.ts'],
    engines: { node: '>=18' },
    scripts: { build: 'tsc -p .', test: 'vitest run', lint: 'eslint .' },
    dependencies: Object.fromEntries(
      Array.from({ length: Math.floor(rand() * 8) }, (_, i) => [
        `dep-${i}-${Math.floor(rand() * 1000)}`,
        `^${Math.floor(rand() * 9)}.0.0`,
      ]),
    ),
  };
  if (subpaths > 0) {
    json.exports = Object.fromEntries([
      ['.', { types: './dist/index.d.ts', import: './dist/index.js', require: './dist/index.cjs' }],
      ...Array.from({ length: subpaths }, (_, i) => [
        `./feature-${i}`,
        {
          types: `./dist/feature-${i}/index.d.ts`,
          import: `./dist/feature-${i}/index.js`,
          require: `./dist/feature-${i}/index.cjs`,
        },
      ]),
    ]);
  }
  if (rand() < 0.01) (json.keywords as string[]).push('pio'); // mentions "pio" without being a plugin
  if (pluginKind) {
    json.pio = {
      specificationVersion: pluginKind === 'broken' ? 'v0' : 'v1',
      type: 'model',
      displayName: `Model ${name}`,
      description: 'A generated model plugin for the discovery benchmark.',
      author: 'PIO benchmarks',
      license: 'MIT',
      architectures: [`${name.replace(/\W/g, '')}ForCausalLM`],
      modelTypes: [name.replace(/\W/g, '_')],
      family: 'Bench',
      size: '135M',
      parameters: 134515008,
      requiredMemoryGb: 0.6,
      modalities: ['text'],
      tags: ['text-generation'],
      compatibility: {
        core: pluginKind === 'incompatible' ? '^99.0.0' : '^0.1.0',
        node: '>=20',
        onnxruntime: '>=1.20.0',
      },
      entryPoint: { export: '.', factory: pluginKind === 'broken' ? '' : 'createPlugin' },
    };
  }
  return json;
}
