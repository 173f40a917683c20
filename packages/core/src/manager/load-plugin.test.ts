import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, pluginPackageJson } from '../../test/helpers/plugin-package-json.js';
import { PluginLoadError } from '../errors/plugin-load-error.js';
import { type PluginPackage, readManifest } from '../manifest/read-manifest.js';
import { loadPlugin, resolveEntryFile } from './load-plugin.js';

let root: string;

/** Writes a package folder with `files` and returns its validated PluginPackage. */
function writePackage(
  name: string,
  packageJson: Record<string, unknown>,
  files: Record<string, string> = {},
): PluginPackage {
  const packageDir = join(root, name);
  mkdirSync(packageDir, { recursive: true });
  writeFileSync(join(packageDir, 'package.json'), JSON.stringify(packageJson));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(packageDir, file, '..'), { recursive: true });
    writeFileSync(join(packageDir, file), text);
  }
  return readManifest(packageJson, {
    packageDir,
    packageJsonPath: join(packageDir, 'package.json'),
    fallbackName: name,
  });
}

const pluginModule = `
export function createPlugin(context) {
  return {
    specificationVersion: 'v1',
    metadata: context.metadata,
    isLoaded: false,
    packageDir: context.packageDir,
    async initialize() {},
    async loadModel() {},
    async infer(input) { return input; },
    supportsConfig() { return { supported: true }; },
    async cleanup() {},
    async [Symbol.asyncDispose]() {},
  };
}
`;

beforeAll(() => {
  root = makeTempDir('pio-load-');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveEntryFile', () => {
  it('follows the exports map with the given conditions, in order', () => {
    const pkg = writePackage(
      'conditional',
      pluginPackageJson('conditional', {
        pio: { entryPoint: { export: './plugin', factory: 'createPlugin' } },
        extra: { exports: { './plugin': { '@pio/source': './src/plugin.ts', import: './dist/plugin.js' } } },
      }),
      { 'src/plugin.ts': '', 'dist/plugin.js': '' },
    );
    expect(resolveEntryFile(pkg, ['import', 'default'])).toBe(join(root, 'conditional/dist/plugin.js'));
    expect(resolveEntryFile(pkg, ['@pio/source', 'import', 'default'])).toBe(join(root, 'conditional/src/plugin.ts'));
  });

  it('uses main, then index.js, when there is no exports map', () => {
    const withMain = writePackage(
      'with-main',
      { ...pluginPackageJson('with-main'), exports: undefined, main: 'lib/main.js' },
      { 'lib/main.js': '' },
    );
    expect(resolveEntryFile(withMain, ['import'])).toBe(join(root, 'with-main/lib/main.js'));
    const bare = writePackage('bare', { ...pluginPackageJson('bare'), exports: undefined }, { 'index.js': '' });
    expect(resolveEntryFile(bare, ['import'])).toBe(join(root, 'bare/index.js'));
  });

  it('says what is wrong when the exports map does not resolve the entry point', () => {
    const pkg = writePackage(
      'no-subpath',
      pluginPackageJson('no-subpath', { pio: { entryPoint: { export: './plugin', factory: 'createPlugin' } } }),
    );
    expect(() => resolveEntryFile(pkg, ['import'])).toThrow(
      `Could not load plugin no-subpath from ${join(root, 'no-subpath/package.json')}: its "exports" map does not resolve "./plugin" (pio.entryPoint.export) for conditions import: Missing "./plugin" specifier in "no-subpath" package`,
    );
    const requireOnly = writePackage(
      'require-only',
      pluginPackageJson('require-only', { extra: { exports: { '.': { require: './index.cjs' } } } }),
    );
    expect(() => resolveEntryFile(requireOnly, ['import', 'default'])).toThrow(
      /No known conditions for "\." specifier/,
    );
    const subpathWithoutExports = writePackage('sub', {
      ...pluginPackageJson('sub', { pio: { entryPoint: { export: './plugin', factory: 'f' } } }),
      exports: undefined,
    });
    expect(() => resolveEntryFile(subpathWithoutExports, ['import'])).toThrow(
      /nothing in package.json resolves "\.\/plugin" for conditions import/,
    );
  });

  it('asks for a build when the entry file does not exist', () => {
    const pkg = writePackage('unbuilt', pluginPackageJson('unbuilt'));
    let error: PluginLoadError | undefined;
    try {
      resolveEntryFile(pkg, ['import']);
    } catch (caught) {
      error = caught as PluginLoadError;
    }
    expect(PluginLoadError.isInstance(error)).toBe(true);
    expect(error?.file).toBe(join(root, 'unbuilt/index.js'));
    expect(error?.message).toBe(
      `Could not load plugin unbuilt from ${join(root, 'unbuilt/index.js')}: the entry file does not exist\n` +
        'Build unbuilt (`pnpm --filter unbuilt build`) or reinstall it.',
    );
  });
});

describe('loadPlugin', () => {
  it('imports the entry point and calls the named factory', async () => {
    const pkg = writePackage('good', pluginPackageJson('good'), { 'index.js': pluginModule });
    const plugin = await loadPlugin(pkg, ['import']);
    expect(plugin.specificationVersion).toBe('v1');
    expect(plugin.metadata).toBe(pkg.metadata);
    expect((plugin as unknown as { packageDir: string }).packageDir).toBe(join(root, 'good'));
  });

  it('names the exported functions when the factory is missing', async () => {
    const pkg = writePackage(
      'misnamed',
      pluginPackageJson('misnamed', { pio: { entryPoint: { export: '.', factory: 'createModel' } } }),
      {
        'index.js': `${pluginModule}\nexport const helper = () => 1;\nexport const version = '1';\n`,
      },
    );
    await expect(loadPlugin(pkg, ['import'])).rejects.toThrow(
      'it exports no function "createModel" (pio.entryPoint.factory); exported functions: createPlugin, helper',
    );
  });

  it('wraps an entry point that throws on import, keeping the cause', async () => {
    const pkg = writePackage('explodes', pluginPackageJson('explodes'), {
      'index.js': 'throw new TypeError("top-level boom");\n',
    });
    const error = (await loadPlugin(pkg, ['import']).catch((e: unknown) => e)) as PluginLoadError;
    expect(PluginLoadError.isInstance(error)).toBe(true);
    expect(error.message.split('\n')[0]).toBe(
      `Could not load plugin explodes from ${join(root, 'explodes/index.js')}: importing it failed: top-level boom`,
    );
    expect((error.cause as Error).message).toBe('top-level boom');
  });
});
