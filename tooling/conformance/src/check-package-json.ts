import type { ConformanceProblem } from './conformance-report.js';

const file = 'package.json';
const requiredScripts = ['build', 'test', 'typecheck', 'lint', 'bench'] as const;
const rootExport = { '@pio/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' } as const;

/**
 * The package.json fields every model package shares (everything but the
 * `pio` manifest, which {@link checkManifest} reads): name, `type`,
 * `sideEffects`, the `exports` map, `files`, `engines`, `publishConfig`,
 * license, scripts and the two workspace dependencies.
 *
 * @param expectedName - `@pio/model-<folder>`.
 */
export function checkPackageJson(json: Record<string, unknown>, expectedName: string): ConformanceProblem[] {
  const problems: ConformanceProblem[] = [];
  const add = (problem: string, fix: string) => problems.push({ file, problem, fix });

  if (json.name !== expectedName) {
    add(
      `"name" is ${JSON.stringify(json.name)}, but a package in this folder must be named "${expectedName}"`,
      `Set "name": "${expectedName}", or rename the folder after the package.`,
    );
  }
  if (typeof json.version !== 'string' || json.version === '') {
    add('"version" is missing', 'Set "version": "0.1.0" (changesets moves it from there).');
  }
  if (json.license !== 'MIT') {
    add(`"license" is ${JSON.stringify(json.license)}, not "MIT"`, 'Set "license": "MIT", like every PIO package.');
  }
  if (json.type !== 'module') {
    add(`"type" is ${JSON.stringify(json.type)}, not "module"`, 'Set "type": "module": PIO packages are ESM only.');
  }
  if (json.sideEffects !== false) {
    add(
      `"sideEffects" is ${JSON.stringify(json.sideEffects)}, not false`,
      'Set "sideEffects": false; importing a model package must not do anything by itself.',
    );
  }
  checkExports(json.exports, add);
  const files = json.files;
  if (!Array.isArray(files) || files.length === 0 || !files.every((entry) => typeof entry === 'string')) {
    add('"files" is missing or not a list of paths', 'Set "files": ["dist", "src", "!src/**/*.test.ts"].');
  } else if (!files.includes('dist')) {
    add('"files" does not include "dist"', 'Add "dist" to "files", or the published package has no code.');
  }
  const engines = asRecord(json.engines);
  if (typeof engines?.node !== 'string' || engines.node.trim() === '') {
    add('"engines.node" is missing', 'Set "engines": { "node": ">=20" }.');
  }
  if (asRecord(json.publishConfig)?.access !== 'public') {
    add(
      '"publishConfig.access" is not "public"',
      'Set "publishConfig": { "access": "public" } (scoped packages are private on npm otherwise).',
    );
  }
  const scripts = asRecord(json.scripts) ?? {};
  const missing = requiredScripts.filter((name) => typeof scripts[name] !== 'string' || scripts[name] === '');
  if (missing.length > 0) {
    add(
      `"scripts" lacks ${missing.map((name) => `"${name}"`).join(', ')}`,
      'Add them as the generator writes them: build "tsup", test "vitest run", typecheck "tsc --noEmit", ' +
        'lint "biome lint . && publint --strict", bench "node --conditions=@pio/source --import tsx benchmarks/<name>.bench.ts".',
    );
  }
  if (asRecord(json.dependencies)?.['@pio/core'] === undefined) {
    add('"dependencies" lacks "@pio/core"', 'Add "@pio/core": "workspace:^": the plugin implements its contract.');
  }
  if (asRecord(json.devDependencies)?.['@pio/conformance'] === undefined) {
    add(
      '"devDependencies" lacks "@pio/conformance"',
      'Add "@pio/conformance": "workspace:*" and call describeConformance from src/plugin.test.ts.',
    );
  }
  return problems;
}

function checkExports(exportsField: unknown, add: (problem: string, fix: string) => void): void {
  const fix =
    'Use "exports": { ".": { "@pio/source": "./src/index.ts", "types": "./dist/index.d.ts", "import": "./dist/index.js" }, "./package.json": "./package.json" }.';
  const map = asRecord(exportsField);
  if (!map) {
    add('"exports" is missing or not a map of subpaths', fix);
    return;
  }
  const root = asRecord(map['.']);
  if (!root) {
    add('"exports" has no "." entry with conditions', fix);
  } else {
    for (const [condition, target] of Object.entries(rootExport)) {
      if (root[condition] !== target) {
        add(`"exports"["."]["${condition}"] is ${JSON.stringify(root[condition])}, not "${target}"`, fix);
      }
    }
    // Conditions are matched in key order: the source condition must win in tests, types come before import for TypeScript.
    const order = Object.keys(root);
    const expected = Object.keys(rootExport).filter((key) => key in root);
    if (order.filter((key) => key in rootExport).join() !== expected.join() || order[0] !== '@pio/source') {
      add(
        `"exports"["."] lists its conditions as ${order.join(', ')}`,
        'Put "@pio/source" first, then "types", then "import".',
      );
    }
  }
  if (map['./package.json'] !== './package.json') {
    add('"exports" does not expose "./package.json"', 'Add "./package.json": "./package.json" (the host reads it).');
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
