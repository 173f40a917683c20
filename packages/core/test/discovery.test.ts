import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscoveryResult, discoverPlugins } from '../src/discovery/discover-plugins.js';
import { findNodeModulesDirs } from '../src/discovery/find-node-modules.js';
import type { HostInfo } from '../src/discovery/host-info.js';
import { IncompatiblePluginError } from '../src/errors/incompatible-plugin-error.js';
import { ManifestError } from '../src/errors/manifest-error.js';
import { PluginManager } from '../src/manager/plugin-manager.js';
import { coreVersion } from '../src/version.js';
import { makeTempDir, pioManifest } from './helpers/plugin-package-json.js';
import { addPnpmPackage, linkPackage, storeFolderName, writeFiles } from './helpers/pnpm-layout.js';

const host: HostInfo = {
  coreVersion,
  nodeVersion: process.versions.node,
  totalMemoryGb: 16,
  onnxruntimeVersion: () => '1.30.0',
};

/** The alpha plugin's code: real ESM that imports a dependency the pnpm way and reads the checkpoint. */
const alphaPluginJs = `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vocabulary } from 'alpha-tokens';

export function createAlphaPlugin(context) {
  let config = null;
  return {
    specificationVersion: 'v1',
    metadata: context.metadata,
    get isLoaded() {
      return config !== null;
    },
    async initialize(options) {
      config = JSON.parse(readFileSync(join(options.checkpoint, 'config.json'), 'utf8'));
    },
    async loadModel() {
      return { config, parameters: 0, weightBytes: 0, loadMs: 0, fromCache: false };
    },
    async infer(input) {
      if (config === null) throw new Error('alpha: infer() before initialize()');
      return {
        tokens: input.inputIds.map((id) => vocabulary[id % vocabulary.length]),
        hiddenSize: config.hidden_size,
        packageDir: context.packageDir,
        moduleUrl: import.meta.url,
      };
    },
    supportsConfig(candidate) {
      return candidate?.model_type === 'alpha' ? { supported: true } : { supported: false, reason: 'alpha runs alpha checkpoints only' };
    },
    async cleanup() {
      config = null;
    },
    async [Symbol.asyncDispose]() {
      await this.cleanup();
    },
  };
}
`;

const betaIndexJs = `export function createBetaPlugin(context) {
  let loaded = false;
  return {
    specificationVersion: 'v1',
    metadata: context.metadata,
    get isLoaded() { return loaded; },
    async initialize() { loaded = true; },
    async loadModel() { throw new Error('beta loads nothing'); },
    async infer(input) { return { sum: input.inputIds.reduce((a, b) => a + b, 0) }; },
    supportsConfig() { return { supported: true }; },
    async cleanup() { loaded = false; },
    async [Symbol.asyncDispose]() { loaded = false; },
  };
}
`;

/** A plain valid plugin (real entry file), for the packages only discovery looks at. */
function simplePlugin(name: string, version: string, pio: Record<string, unknown> = {}) {
  return {
    'package.json': {
      name,
      version,
      type: 'module',
      exports: { '.': './index.js', './package.json': './package.json' },
      pio: pioManifest({
        modelTypes: [name],
        architectures: [],
        entryPoint: { export: '.', factory: 'createPlugin' },
        ...pio,
      }),
    },
    'index.js': betaIndexJs.replace('createBetaPlugin', 'createPlugin'),
  };
}

let tmp: string;
let app: string;
let appModules: string;
let parentModules: string;
let hostPkg: string;
/** Real folders of the packages, by name. */
const real: Record<string, string> = {};

beforeAll(() => {
  tmp = makeTempDir('pio-discovery-');
  app = join(tmp, 'app');
  appModules = join(app, 'node_modules');
  parentModules = join(tmp, 'node_modules');
  writeFiles(app, { 'package.json': { name: 'app', version: '0.0.0', private: true } });
  writeFiles(appModules, { '.modules.yaml': 'layoutVersion: 5\n', '.bin/pio': '#!/bin/sh\n' });

  // Valid, scoped, entry behind a subpath export, with a dependency of its own in the store.
  real['@acme/model-alpha'] = addPnpmPackage(appModules, '@acme/model-alpha', '1.0.0', {
    'package.json': {
      name: '@acme/model-alpha',
      version: '1.0.0',
      type: 'module',
      exports: {
        '.': { types: './dist/index.d.ts', import: './dist/index.js' },
        './plugin': { types: './dist/plugin.d.ts', require: './dist/plugin.cjs', import: './dist/plugin.js' },
        './package.json': './package.json',
      },
      dependencies: { 'alpha-tokens': '1.0.0' },
      pio: pioManifest({
        displayName: 'Alpha',
        architectures: ['AlphaForCausalLM'],
        modelTypes: ['alpha'],
        compatibility: { core: '^0.1.0', node: '>=20', onnxruntime: '>=1.20.0' },
        entryPoint: { export: './plugin', factory: 'createAlphaPlugin' },
      }),
    },
    'dist/index.js': "export { createAlphaPlugin } from './plugin.js';\n",
    'dist/plugin.js': alphaPluginJs,
    'dist/plugin.cjs': "throw new Error('the require build must not be loaded');\n",
  });
  const tokens = addPnpmPackage(
    appModules,
    'alpha-tokens',
    '1.0.0',
    {
      'package.json': { name: 'alpha-tokens', version: '1.0.0', type: 'module', exports: './index.js' },
      'index.js': "export const vocabulary = ['<s>', 'hello', 'world'];\n",
    },
    { link: false },
  );
  // pnpm links a package's dependencies next to it inside its store folder.
  linkPackage(
    join(appModules, '.pnpm', storeFolderName('@acme/model-alpha', '1.0.0'), 'node_modules'),
    'alpha-tokens',
    tokens,
  );
  // An alias (`"alpha-alias": "npm:@acme/model-alpha@1.0.0"`): a second symlink to the same real folder.
  linkPackage(appModules, 'alpha-alias', real['@acme/model-alpha']);

  // Valid, unscoped, entry at ".".
  real['pio-model-beta'] = addPnpmPackage(appModules, 'pio-model-beta', '1.2.0', {
    'package.json': {
      name: 'pio-model-beta',
      version: '1.2.0',
      type: 'module',
      main: './index.js',
      exports: './index.js',
      pio: pioManifest({
        displayName: 'Beta',
        architectures: ['BetaForCausalLM'],
        modelTypes: ['beta'],
        entryPoint: { export: '.', factory: 'createBetaPlugin' },
      }),
    },
    'index.js': betaIndexJs,
  });

  // A manifest with several schema errors.
  real['pio-model-broken'] = addPnpmPackage(appModules, 'pio-model-broken', '0.1.0', {
    'package.json': {
      name: 'pio-model-broken',
      version: '0.1.0',
      pio: {
        ...pioManifest(),
        specificationVersion: 'v2',
        displayName: '',
        modalities: ['smell'],
        compatibility: { core: 'the latest one' },
        entryPoint: { export: 'index.js', factory: 'createPlugin' },
        entry: './index.js',
      },
    },
  });

  // package.json that mentions "pio" but is not JSON (a trailing comma, cut short).
  real['pio-model-garbled'] = addPnpmPackage(appModules, 'pio-model-garbled', '0.1.0', {
    'package.json':
      '{\n  "name": "pio-model-garbled",\n  "version": "0.1.0",\n  "pio": {\n    "specificationVersion": "v1",\n  }\n',
  });

  // Made for a future core.
  real['@acme/model-future'] = addPnpmPackage(
    appModules,
    '@acme/model-future',
    '3.0.0',
    simplePlugin('@acme/model-future', '3.0.0', { compatibility: { core: '^99.0.0', node: '>=20' } }),
  );

  // Not plugins: one says "pio" only as a keyword.
  addPnpmPackage(appModules, 'left-pad', '1.3.0', {
    'package.json': { name: 'left-pad', version: '1.3.0', main: 'index.js' },
    'index.js': 'module.exports = (s) => s;\n',
  });
  addPnpmPackage(appModules, 'pio-keyword-lib', '1.0.0', {
    'package.json': { name: 'pio-keyword-lib', version: '1.0.0', keywords: ['pio', 'llm'] },
  });

  // A valid plugin only in the store, reachable by no symlink of the app: must not be found.
  const hidden = addPnpmPackage(appModules, 'pio-model-hidden', '1.0.0', simplePlugin('pio-model-hidden', '1.0.0'), {
    link: false,
  });
  // pnpm's own hoisting folder inside .pnpm links it; discovery never enters .pnpm.
  linkPackage(join(appModules, '.pnpm', 'node_modules'), 'pio-model-hidden', hidden);

  // A real (npm-style) folder holding a plugin in its own node_modules.
  hostPkg = join(appModules, 'host-pkg');
  writeFiles(hostPkg, { 'package.json': { name: 'host-pkg', version: '1.0.0' } });
  real['nested-plugin'] = join(hostPkg, 'node_modules', 'nested-plugin');
  writeFiles(real['nested-plugin'], simplePlugin('nested-plugin', '1.0.0'));

  // The parent folder's node_modules: a hoisted plugin, and an older copy of beta that the app's shadows.
  real['parent-plugin'] = join(parentModules, 'parent-plugin');
  writeFiles(
    real['parent-plugin'],
    simplePlugin('parent-plugin', '2.0.0', { compatibility: { core: '^0.1.0', minMemoryGb: 64 } }),
  );
  real['parent:pio-model-beta'] = join(parentModules, 'pio-model-beta');
  writeFiles(real['parent:pio-model-beta'], simplePlugin('pio-model-beta', '0.9.0'));

  mkdirSync(join(tmp, 'checkpoints/alpha-tiny'), { recursive: true });
  writeFileSync(
    join(tmp, 'checkpoints/alpha-tiny/config.json'),
    JSON.stringify({ architectures: ['AlphaForCausalLM'], model_type: 'alpha', hidden_size: 64 }),
  );
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const names = (result: DiscoveryResult) => result.plugins.map((plugin) => plugin.metadata.name);

describe('discoverPlugins in a pnpm layout', () => {
  let result: DiscoveryResult;
  /** node_modules folders above the temp dir (normally none); searched too, as Node would. */
  let above: string[];

  beforeAll(async () => {
    result = await discoverPlugins({ roots: [app], host });
    above = await findNodeModulesDirs(dirname(tmp));
  });

  it('searches the app, then the parents, as Node resolves', () => {
    expect(result.searched).toEqual([appModules, parentModules, ...above]);
    // 9 entries in app/node_modules (the alias included), 2 in the parent's.
    expect(result.packagesScanned).toBe(11);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('returns exactly the valid, compatible plugins, nearest first, at their real paths', () => {
    expect(names(result)).toEqual(['@acme/model-alpha', 'pio-model-beta', 'parent-plugin']);
    expect(result.plugins.map((plugin) => [plugin.packageDir, plugin.packageJsonPath])).toEqual([
      [real['@acme/model-alpha'], join(real['@acme/model-alpha']!, 'package.json')],
      [real['pio-model-beta'], join(real['pio-model-beta']!, 'package.json')],
      [real['parent-plugin'], join(real['parent-plugin']!, 'package.json')],
    ]);
    const alpha = result.plugins[0]!;
    expect(alpha.metadata).toMatchObject({ name: '@acme/model-alpha', version: '1.0.0', displayName: 'Alpha' });
    expect(alpha.entryPoint).toEqual({ export: './plugin', factory: 'createAlphaPlugin' });
    expect(result.plugins[1]!.metadata.version).toBe('1.2.0');
  });

  it('reports every problem with its package, file, code and severity', () => {
    expect(
      result.problems.map((problem) => [problem.packageName, problem.file, problem.error.code, problem.severity]),
    ).toEqual([
      ['@acme/model-future', join(real['@acme/model-future']!, 'package.json'), 'PIO_PLUGIN_INCOMPATIBLE', 'error'],
      ['pio-model-broken', join(real['pio-model-broken']!, 'package.json'), 'PIO_MANIFEST_INVALID', 'error'],
      ['pio-model-garbled', join(real['pio-model-garbled']!, 'package.json'), 'PIO_MANIFEST_INVALID', 'error'],
      ['pio-model-beta', join(real['parent:pio-model-beta']!, 'package.json'), 'PIO_PLUGIN_INCOMPATIBLE', 'warning'],
      ['parent-plugin', join(real['parent-plugin']!, 'package.json'), 'PIO_PLUGIN_INCOMPATIBLE', 'warning'],
    ]);
    for (const problem of result.problems) {
      // Every message names the file and ends with what to do.
      expect(problem.error.message).toContain(problem.file);
      expect(problem.error.hint).toBeTruthy();
      expect(problem.error.message.endsWith(`\n${problem.error.hint}`)).toBe(true);
    }
  });

  it('says why the future plugin is incompatible and what to do', () => {
    const error = result.problems[0]!.error as IncompatiblePluginError;
    expect(IncompatiblePluginError.isInstance(error)).toBe(true);
    expect(error.issues).toEqual([{ requirement: 'core', required: '^99.0.0', found: coreVersion }]);
    expect(error.hint).toBe('Install a version of @acme/model-future made for this host, or upgrade what it asks for.');
  });

  it('lists every schema error of the broken manifest', () => {
    const error = result.problems[1]!.error as ManifestError;
    expect(ManifestError.isInstance(error)).toBe(true);
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'pio.specificationVersion',
      'pio.displayName',
      'pio.modalities.0',
      'pio.compatibility.core',
      'pio.entryPoint.export',
      'pio.entry',
    ]);
    expect(error.message).toContain('  - pio.modalities.0: must be one of text, image, audio, video\n');
    expect(error.hint).toBe(
      'Fix the "pio" key of that package.json (see docs/model-authors.md), or uninstall the package.',
    );
  });

  it('names the unparsable package.json by its folder and asks to fix its syntax', () => {
    const { error } = result.problems[2]!;
    const file = join(real['pio-model-garbled']!, 'package.json');
    expect((error as ManifestError).issues).toEqual([
      { path: '(file)', message: expect.stringMatching(/^is not valid JSON: /) },
    ]);
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(error.hint).toBe(`Fix the JSON syntax of ${file}, or reinstall pio-model-garbled.`);
  });

  it('warns about the shadowed copy in the parent folder, naming the copy that wins', () => {
    const error = result.problems[3]!.error as IncompatiblePluginError;
    expect(error.issues).toEqual([
      {
        requirement: 'unique name',
        required: 'one copy of pio-model-beta',
        found: `1.2.0 at ${real['pio-model-beta']} is nearer and is used; 0.9.0 here is ignored`,
      },
    ]);
    expect(error.hint).toBe(
      `Nothing to do if 1.2.0 is the one you want; otherwise remove the copy in ${real['parent:pio-model-beta']} or the nearer one, so only one is installed.`,
    );
  });

  it('warns when a plugin wants more memory than the host has, and keeps it', () => {
    const error = result.problems[4]!.error as IncompatiblePluginError;
    expect(error.issues).toEqual([{ requirement: 'minMemoryGb', required: '64 GiB', found: '16.0 GiB' }]);
    expect(error.hint).toMatch(/smaller checkpoint or a quantized dtype/);
    expect(names(result)).toContain('parent-plugin');
  });

  it('dedupes symlinked duplicates by real path: the alias adds neither a plugin nor a problem', () => {
    const alphaFile = join(real['@acme/model-alpha']!, 'package.json');
    expect(result.plugins.filter((plugin) => plugin.packageJsonPath === alphaFile)).toHaveLength(1);
    expect(result.problems.some((problem) => problem.file === alphaFile)).toBe(false);
  });

  it('never enters .pnpm: a plugin only in the store is not found', () => {
    expect(names(result)).not.toContain('pio-model-hidden');
    expect(result.problems.map((problem) => problem.packageName)).not.toContain('pio-model-hidden');
    expect(result.searched.some((dir) => dir.includes('.pnpm'))).toBe(false);
  });

  it('does not see a plugin nested in another package from the app root, but does from that package', async () => {
    expect(names(result)).not.toContain('nested-plugin');
    const fromHostPkg = await discoverPlugins({ roots: [hostPkg], host });
    expect(fromHostPkg.searched).toEqual([join(hostPkg, 'node_modules'), appModules, parentModules, ...above]);
    expect(names(fromHostPkg)).toEqual(['nested-plugin', '@acme/model-alpha', 'pio-model-beta', 'parent-plugin']);
    expect(fromHostPkg.plugins[0]!.packageDir).toBe(real['nested-plugin']);
  });

  it('searches several roots in order, each folder once, earlier roots first', async () => {
    const both = await discoverPlugins({ roots: [app, hostPkg, app], host });
    expect(both.searched).toEqual([appModules, parentModules, ...above, join(hostPkg, 'node_modules')]);
    expect(names(both)).toEqual(['@acme/model-alpha', 'pio-model-beta', 'parent-plugin', 'nested-plugin']);
    expect(both.problems).toHaveLength(5);
  });

  it('defaults to the current directory', async () => {
    // vitest runs this file in a child process (the forks pool), where chdir is allowed.
    const cwd = process.cwd();
    process.chdir(app);
    try {
      const fromCwd = await discoverPlugins({ host });
      expect(fromCwd.searched).toEqual(result.searched);
      expect(names(fromCwd)).toEqual(names(result));
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('PluginManager on the discovered plugins', () => {
  it('finds the alpha plugin for a checkpoint, imports its entry through the exports map and runs it', async () => {
    await using manager = new PluginManager({ roots: [app], host });
    const discovered = await manager.discover();
    expect(manager.list().map((record) => [record.metadata.name, record.origin])).toEqual([
      ['@acme/model-alpha', 'discovered'],
      ['pio-model-beta', 'discovered'],
      ['parent-plugin', 'discovered'],
    ]);
    expect(manager.problems).toBe(discovered.problems);
    const shadowed = manager.problems.find(
      (problem) => problem.file === join(real['parent:pio-model-beta']!, 'package.json'),
    );
    expect(shadowed).toMatchObject({ severity: 'warning', packageName: 'pio-model-beta' });

    const checkpoint = join(tmp, 'checkpoints/alpha-tiny');
    const record = await manager.findForCheckpoint(checkpoint);
    expect(record.metadata.name).toBe('@acme/model-alpha');

    const plugin = await manager.activate(record.metadata.name, { checkpoint });
    expect(plugin.specificationVersion).toBe('v1');
    expect(plugin.isLoaded).toBe(true);
    expect(plugin.metadata).toBe(record.metadata);
    expect(plugin.supportsConfig({ model_type: 'alpha' })).toEqual({ supported: true });
    const output = (await plugin.infer({ inputIds: [1, 2, 3] })) as Record<string, unknown>;
    expect(output).toEqual({
      tokens: ['hello', 'world', '<s>'],
      hiddenSize: 64,
      packageDir: real['@acme/model-alpha'],
      moduleUrl: expect.stringMatching(
        /\/node_modules\/\.pnpm\/@acme\+model-alpha@1\.0\.0\/node_modules\/@acme\/model-alpha\/dist\/plugin\.js$/,
      ),
    });

    const beta = await manager.activate('pio-model-beta', {});
    expect(await beta.infer({ inputIds: [1, 2, 3] })).toEqual({ sum: 6 });
    expect(manager.activePlugins()).toEqual([plugin, beta]);

    await manager.deactivate(plugin);
    expect(plugin.isLoaded).toBe(false);
    await expect(plugin.infer({ inputIds: [1] })).rejects.toThrow('alpha: infer() before initialize()');
  });

  it('keeps a plugin registered by code over a discovered one of the same name', async () => {
    const manager = new PluginManager({ roots: [app], host });
    manager.register({
      packageJson: { name: 'pio-model-beta', version: '9.9.9', pio: pioManifest({ modelTypes: ['beta'] }) },
      factory: () => {
        throw new Error('not called');
      },
    });
    await manager.discover();
    expect(manager.get('pio-model-beta')).toMatchObject({ origin: 'registered', metadata: { version: '9.9.9' } });
  });
});
