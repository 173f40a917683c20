// Discovery benchmark: `pnpm --filter @pio/core bench`.
// Builds (once) a pnpm-style node_modules of 1000 packages in the OS temp dir,
// then times discoverPlugins cold (a fresh child process per run) and warm
// (repeated calls in this process), and writes benchmarks/results/discovery.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { discoverPlugins } from '../src/index.js';
import { generateFixture } from './generate-fixture.js';

const coldRuns = Number(process.env.PIO_BENCH_COLD_RUNS ?? 9);
const warmRuns = Number(process.env.PIO_BENCH_WARM_RUNS ?? 30);
const goalMs = 200;

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');

interface Stats {
  median: number;
  min: number;
  max: number;
}

function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const round = (value: number) => Math.round(value * 100) / 100;
  return { median: round(median), min: round(sorted[0]!), max: round(sorted.at(-1)!) };
}

interface ChildRun {
  processStartToDoneMs: number;
  importMs: number;
  discoverMs: number;
  plugins: number;
  problems: number;
  packagesScanned: number;
}

/** One fresh `node` process that imports @pio/core and discovers once; `from` picks src (through tsx) or dist. */
function coldRun(appDir: string, from: 'source' | 'dist'): ChildRun & { wallMs: number } {
  const args = from === 'dist' ? [] : ['--import', 'tsx'];
  const started = performance.now();
  const child = spawnSync(process.execPath, [...args, join(here, 'discovery-child.mjs'), appDir, from], {
    cwd: packageDir,
    encoding: 'utf8',
    // Only the child's own flags: not the loader this benchmark runs under.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`cold run failed (${child.status}):\n${child.stderr}`);
  return { ...(JSON.parse(child.stdout) as ChildRun), wallMs };
}

/** True when dist/index.js is newer than every source file. */
function isDistFresh(): boolean {
  const dist = join(packageDir, 'dist/index.js');
  if (!existsSync(dist)) return false;
  const built = statSync(dist).mtimeMs;
  const sourceFiles = readdirSync(join(packageDir, 'src'), { recursive: true, encoding: 'utf8' }).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
  );
  return sourceFiles.every((file) => statSync(join(packageDir, 'src', file)).mtimeMs <= built);
}

const fixtureRoot = join(tmpdir(), 'pio-discovery-bench');
const generateStarted = performance.now();
const fixture = generateFixture(fixtureRoot, 1000);
const generateMs = performance.now() - generateStarted;
console.log(
  `fixture: ${fixture.packages} packages (${fixture.pluginPackages} with a pio manifest, ${fixture.validPlugins} valid; ` +
    `${fixture.scoped} scoped; package.json ${fixture.packageJsonMinBytes} B to ${Math.round(fixture.packageJsonMaxBytes / 1024)} kB, ` +
    `${Math.round(fixture.packageJsonBytes / 1024)} kB in all) at ${fixtureRoot} (${generateMs.toFixed(0)} ms)`,
);

// src through tsx is always current but starts slower; dist is what users run, timed when it is built from the current src.
const distFresh = isDistFresh();
if (!distFresh)
  console.log('dist is missing or older than src: `pnpm --filter @pio/core build` adds the dist cold runs');
const sources: Array<'source' | 'dist'> = distFresh ? ['source', 'dist'] : ['source'];
const cold: Record<string, Array<ChildRun & { wallMs: number }>> = {};
for (const from of sources) {
  coldRun(fixture.appDir, from); // the first run warms the OS file cache, as any later start would find it
  cold[from] = Array.from({ length: coldRuns }, () => coldRun(fixture.appDir, from));
}

for (let i = 0; i < 3; i++) await discoverPlugins({ roots: [fixture.appDir] });
const warm: number[] = [];
let last = await discoverPlugins({ roots: [fixture.appDir] });
for (let i = 0; i < warmRuns; i++) {
  const started = performance.now();
  last = await discoverPlugins({ roots: [fixture.appDir] });
  warm.push(performance.now() - started);
}

const rows: Array<[string, Stats]> = [];
const results: Record<string, unknown> = {};
for (const from of sources) {
  const runs = cold[from]!;
  const label = from === 'source' ? 'src via tsx' : 'dist';
  const discover = stats(runs.map((run) => run.discoverMs));
  const imports = stats(runs.map((run) => run.importMs));
  const child = stats(runs.map((run) => run.processStartToDoneMs));
  const wall = stats(runs.map((run) => run.wallMs));
  rows.push(
    [`cold discoverPlugins (${label})`, discover],
    [`cold import of @pio/core (${label})`, imports],
    [`cold child, start to done (${label})`, child],
    [`cold child, spawn to exit (${label})`, wall],
  );
  results[from] = {
    runs: runs.length,
    discoverMs: discover,
    importMs: imports,
    childStartToDoneMs: child,
    spawnToExitMs: wall,
  };
}
const warmStats = stats(warm);
rows.push(['warm discoverPlugins (in process)', warmStats]);

const header = ['measure', 'median ms', 'min ms', 'max ms'];
const table = [header, ...rows.map(([name, s]) => [name, s.median.toFixed(1), s.min.toFixed(1), s.max.toFixed(1)])];
const widths = header.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
for (const [index, row] of table.entries()) {
  console.log(
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  '),
  );
  if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
}
// The headline: the dist build when it is current (what an installed @pio/core runs), else src.
const headline = distFresh ? 'dist' : 'source';
const coldMedian = (results[headline] as { discoverMs: Stats }).discoverMs.median;
console.log(
  `found ${last.plugins.length} plugins and ${last.problems.length} problems in ${last.packagesScanned} packages; ` +
    `cold discoverPlugins median (${headline}) ${coldMedian.toFixed(1)} ms: ${coldMedian < goalMs ? 'within' : 'OVER'} the ${goalMs} ms goal`,
);

const cpuList = cpus();
const out = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpuCount: cpuList.length,
  cpuModel: cpuList[0]?.model ?? 'unknown',
  goalMs,
  headline: { variant: headline, coldDiscoverMedianMs: coldMedian, withinGoal: coldMedian < goalMs },
  fixture: { ...fixture, appDir: undefined, root: fixtureRoot },
  found: { plugins: last.plugins.length, problems: last.problems.length, packagesScanned: last.packagesScanned },
  cold: results,
  warm: { runs: warm.length, discoverMs: warmStats },
  note: 'Cold = a fresh node process per run, with the OS file cache warm (the first run is discarded). discoverMs times only the discoverPlugins call.',
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results/discovery.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${join(here, 'results/discovery.json')}`);
