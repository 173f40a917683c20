// Run by discovery.bench.ts in a fresh process: times one cold discoverPlugins call.
// Plain JavaScript, so the dist variant starts without any loader; the source
// variant is started with `--import tsx`, which resolves ../src/index.js to index.ts.
import { performance } from 'node:perf_hooks';

const [appDir, from = 'source'] = process.argv.slice(2);
if (!appDir) throw new Error('usage: discovery-child.mjs <appDir> [source|dist]');
const importStarted = performance.now();
const core = from === 'dist' ? await import('../dist/index.js') : await import('../src/index.js');
const importMs = performance.now() - importStarted;
const started = performance.now();
const result = await core.discoverPlugins({ roots: [appDir] });
const discoverMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({
    // performance.now() counts from process start, so this is the child's own time up to here.
    processStartToDoneMs: performance.now(),
    importMs,
    discoverMs,
    plugins: result.plugins.length,
    problems: result.problems.length,
    packagesScanned: result.packagesScanned,
  })}\n`,
);
