import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePackageJson, writeFixturePackage } from '../test/fixtures/write-fixture-package.js';
import { checkModelPackage } from './check-model-package.js';
import { formatConformanceReport } from './conformance-report.js';

describe('checkModelPackage on fixture packages', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-conformance-fixtures-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A conforming package in `<root>/<label>/toy`, changed by `edit`. */
  async function fixture(label: string, edit?: (dir: string) => Promise<void>): Promise<string> {
    const dir = join(root, label, 'toy');
    writeFixturePackage(dir);
    await edit?.(dir);
    return dir;
  }
  async function editPackageJson(dir: string, change: (json: Record<string, unknown>) => void): Promise<void> {
    const file = join(dir, 'package.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    change(json);
    await writeFile(file, JSON.stringify(json, null, 2));
  }
  const problemsOf = async (dir: string) =>
    (await checkModelPackage(dir)).problems.map(({ file, problem }) => [file, problem]);

  it('finds nothing wrong with a conforming package', async () => {
    const report = await checkModelPackage(await fixture('good'));
    expect(report.expectedName).toBe('@pio/model-toy');
    expect(report.problems).toEqual([]);
    expect(formatConformanceReport(report)).toMatch(/^@pio\/model-toy \(.+\) conforms\.$/);
  });

  it('lists every missing file with what to do', async () => {
    const dir = await fixture('missing-files', async (dir) => {
      for (const file of ['README.md', 'src/config.ts', 'vitest.config.ts', 'benchmarks/toy.bench.ts']) {
        await unlink(join(dir, file));
      }
    });
    const report = await checkModelPackage(dir);
    expect(report.problems.map(({ file, problem }) => [file, problem])).toEqual([
      ['README.md', 'is missing'],
      ['src/config.ts', 'is missing'],
      ['vitest.config.ts', 'is missing'],
      ['benchmarks', 'holds no *.bench.ts script'],
      // The emptied benchmarks/ folder is an empty folder too.
      ['benchmarks', 'is an empty folder'],
    ]);
    expect(report.problems.every(({ fix }) => fix.length > 10)).toBe(true);
    expect(formatConformanceReport(report)).toContain('has 5 conformance problems');
  });

  it('wants tests that call describeConformance', async () => {
    const noTests = await fixture('no-tests', (dir) => unlink(join(dir, 'src/plugin.test.ts')));
    expect(await problemsOf(noTests)).toEqual([
      ['src/plugin.test.ts', 'is missing, and there is no test/ folder with *.test.ts files either'],
    ]);
    const noSuite = await fixture('no-suite', async (dir) => {
      await unlink(join(dir, 'src/plugin.test.ts'));
      await mkdir(join(dir, 'test'));
      await writeFile(join(dir, 'test/plugin.test.ts'), "it('runs', () => {});\n");
    });
    expect(await problemsOf(noSuite)).toEqual([
      ['test/plugin.test.ts', 'no test file calls describeConformance, so the shared contract checks never run'],
    ]);
  });

  it('reports every problem of a bad manifest by its key', async () => {
    const dir = await fixture('bad-manifest', (dir) =>
      editPackageJson(dir, (json) => {
        const pio = json.pio as Record<string, unknown>;
        pio.specificationVersion = 'v2';
        pio.modalities = [];
        pio.modelType = ['toy'];
        delete pio.displayName;
      }),
    );
    expect(await problemsOf(dir)).toEqual([
      ['package.json', '"pio.specificationVersion" must be "v1", the only contract version this host supports'],
      ['package.json', '"pio.displayName" must be a string'],
      ['package.json', '"pio.modalities" must name at least one modality'],
      ['package.json', '"pio.modelType" is not a known key (check its spelling, or remove it)'],
    ]);
  });

  it('says when there is no manifest at all', async () => {
    const dir = await fixture('no-manifest', (dir) => editPackageJson(dir, (json) => delete json.pio));
    expect(await problemsOf(dir)).toEqual([
      ['package.json', 'there is no "pio" key, so discovery does not see this package as a plugin'],
    ]);
  });

  it('checks that the entry point exports the factory the manifest names', async () => {
    const dir = await fixture('wrong-factory', (dir) =>
      editPackageJson(dir, (json) => {
        (json.pio as { entryPoint: { factory: string } }).entryPoint.factory = 'createToysPlugin';
      }),
    );
    expect(await problemsOf(dir)).toEqual([
      ['src/index.ts', 'does not export "createToysPlugin", the factory named by "pio.entryPoint.factory"'],
    ]);
  });

  it('reports empty folders anywhere, but not ignored output folders', async () => {
    const dir = await fixture('empty-folder', async (dir) => {
      for (const folder of [
        'src/attention',
        'src/kv-cache/fused',
        'node_modules/.cache',
        'dist',
        'benchmarks/results',
      ]) {
        await mkdir(join(dir, folder), { recursive: true });
      }
    });
    expect(await problemsOf(dir)).toEqual([
      ['src/attention', 'is an empty folder'],
      ['src/kv-cache', 'is an empty folder'],
    ]);
  });

  it('wants the package named after its folder', async () => {
    const dir = await fixture('wrong-name', (dir) => editPackageJson(dir, (json) => (json.name = '@pio/model-toys')));
    expect(await problemsOf(dir)).toEqual([
      ['package.json', '"name" is "@pio/model-toys", but a package in this folder must be named "@pio/model-toy"'],
    ]);
  });

  it('checks the shared package.json fields and the exports map', async () => {
    const dir = await fixture('bad-package-json', (dir) =>
      editPackageJson(dir, (json) => {
        json.sideEffects = true;
        json.license = 'Apache-2.0';
        json.exports = {
          '.': { types: './dist/index.d.ts', '@pio/source': './src/index.ts', import: './dist/index.mjs' },
        };
        delete json.engines;
        json.publishConfig = {};
        delete (json.scripts as Record<string, unknown>).bench;
        json.files = ['src'];
      }),
    );
    expect(await problemsOf(dir)).toEqual([
      ['package.json', '"license" is "Apache-2.0", not "MIT"'],
      ['package.json', '"sideEffects" is true, not false'],
      ['package.json', '"exports"["."]["import"] is "./dist/index.mjs", not "./dist/index.js"'],
      ['package.json', '"exports"["."] lists its conditions as types, @pio/source, import'],
      ['package.json', '"exports" does not expose "./package.json"'],
      ['package.json', '"files" does not include "dist"'],
      ['package.json', '"engines.node" is missing'],
      ['package.json', '"publishConfig.access" is not "public"'],
      ['package.json', '"scripts" lacks "bench"'],
    ]);
  });

  it('reports an unreadable package.json or a missing folder instead of throwing', async () => {
    const broken = await fixture('broken-json', (dir) => writeFile(join(dir, 'package.json'), '{ "name": '));
    const [first] = await problemsOf(broken);
    expect(first?.[0]).toBe('package.json');
    expect(first?.[1]).toMatch(/^is not valid JSON: /);
    expect(await problemsOf(join(root, 'does-not-exist'))).toEqual([
      ['.', `${join(root, 'does-not-exist')} is not a folder`],
    ]);
  });

  it('uses the same package.json as the fixture writer', () => {
    // Guards the fixture: the "good" case above is only meaningful if it is the full shape.
    expect(Object.keys(fixturePackageJson('toy'))).toEqual(
      expect.arrayContaining(['name', 'type', 'sideEffects', 'exports', 'files', 'engines', 'publishConfig', 'pio']),
    );
  });
});
