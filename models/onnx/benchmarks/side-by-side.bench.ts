/**
 * `pnpm --filter @pio/model-onnx bench`: one random checkpoint in the
 * SmolLM2-135M shape, fp32, 2 threads, run three ways —
 *   (a) PIO from the safetensors checkpoint (@pio/model-llama),
 *   (b) PIO from its transformers.js export (@pio/model-onnx),
 *   (c) transformers.js 4.3.1 from the same export —
 * each at contexts 128, 512 and 1536 (a prompt of that many tokens, then 32
 * greedy decode steps), each engine and context in its own child process so
 * peak RSS is its own. Also measures this machine's memory bandwidth and
 * relates decode speed to it (tokens/s × weight bytes: every step reads all
 * weights once). Prints a table; writes benchmarks/results/side-by-side.json.
 */
import { fork } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportTransformersJsFolder } from '@pio/engine';
import { llamaDefinition } from '@pio/model-llama';
import { machineInfo, prepareBenchCheckpoint, smolLm2Config, waitForIdleCpu, watchOtherCpuShare } from '@pio/test-kit';
import { type EngineJob, type EngineMeasurement, type EngineName, measureEngine } from './measure-engine.js';
import { measureMemoryBandwidth } from './memory-bandwidth.js';

const childVariable = 'PIO_SIDE_BY_SIDE_JOB';
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

if (process.env[childVariable]) {
  const job = JSON.parse(process.env[childVariable]) as EngineJob;
  const result = await measureEngine(job);
  process.send?.(result);
  process.exit(0);
}

const engines: EngineName[] = ['pio-checkpoint', 'pio-onnx-folder', 'transformers-js'];
const contexts = [128, 512, 1536];
const decodeSteps = 32;
const repetitions = 2;
const numThreads = 2;
const benchRoot = join(tmpdir(), 'pio-bench');
const log = (line: string) => console.log(line);

// HuggingFaceTB/SmolLM2-135M config.json (as models/llama/benchmarks/llama.bench.ts).
const checkpoint = await prepareBenchCheckpoint(join(benchRoot, 'side-by-side-smollm2-135m'), {
  arch: 'llama',
  config: smolLm2Config,
  tokenizer: 'gpt2',
});
log(`checkpoint ${checkpoint.dir} (${checkpoint.parameters} parameters${checkpoint.fromCache ? ', reused' : ''})`);

const folder = join(benchRoot, 'side-by-side-smollm2-135m-onnx');
const marker = join(folder, 'pio-exported-from.json');
const source = JSON.stringify({ dir: checkpoint.dir, recipe: checkpoint.recipe, parameters: checkpoint.parameters });
if ((await readFile(marker, 'utf8').catch(() => '')) !== source) {
  log('exporting the transformers.js folder...');
  await exportTransformersJsFolder({ definition: llamaDefinition, checkpoint: checkpoint.dir, outDir: folder });
  await writeFile(marker, source);
}
const cacheDir = join(benchRoot, 'side-by-side-cache');

function runChild(job: EngineJob): Promise<EngineMeasurement> {
  return new Promise((resolve, reject) => {
    let result: EngineMeasurement | undefined;
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [childVariable]: JSON.stringify(job) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message) => {
      result = message as EngineMeasurement;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`${job.engine} at context ${job.context} exited with code ${code} and no result`));
    });
  });
}

const base = { cacheDir, decodeSteps, regularTokens: checkpoint.regularTokens, numThreads };
const folderOf = (engine: EngineName) => (engine === 'pio-checkpoint' ? checkpoint.dir : folder);
// Builds (PIO graph build / ONNX rewrite) first, in their own processes: the measured starts are cached ones.
for (const engine of ['pio-checkpoint', 'pio-onnx-folder'] as const) {
  const built = await runChild({ ...base, engine, folder: folderOf(engine), context: 0, buildOnly: true });
  log(`[${engine}] prepared in ${(built.loadMs / 1000).toFixed(1)} s`);
}

const idleWait = { maxOtherCpuShare: 0.15, windowMs: 1000, timeoutMs: 90_000 };
await waitForIdleCpu(idleWait);
const bandwidth = measureMemoryBandwidth();
log(
  `memory bandwidth: read ${bandwidth.readGBps.toFixed(1)} GB/s (JS sum), copy ${bandwidth.copyGBps.toFixed(1)} GB/s (read + write, TypedArray.set)`,
);

const otherShare = watchOtherCpuShare();
const results: EngineMeasurement[] = [];
// Other jobs share this machine in bursts: wait for a quiet moment before each child, run each twice, keep the faster.
for (const context of contexts) {
  for (const engine of engines) {
    let best: EngineMeasurement | undefined;
    for (let repetition = 0; repetition < repetitions; repetition++) {
      await waitForIdleCpu(idleWait);
      const result = await runChild({ ...base, engine, folder: folderOf(engine), context });
      const share = result.otherCpuShare === null ? '?' : `${(result.otherCpuShare * 100).toFixed(0)}%`;
      log(
        `[${engine}] context ${context}: first token ${result.timeToFirstTokenMs.toFixed(0)} ms, decode ${result.decodeTokensPerSecond.toFixed(1)} tok/s, peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB (others used ${share} of the CPU)`,
      );
      if (!best || result.decodeTokensPerSecond > best.decodeTokensPerSecond) best = result;
    }
    results.push(best!);
  }
}
const otherCpuShare = otherShare() ?? null;

const weightBytes = results.find((r) => r.weightBytes)?.weightBytes ?? checkpoint.parameters * 4;
const rows = results.map((r) => ({
  ...r,
  // Every decode step reads every weight once: this is the bandwidth the step would need with no other work.
  weightGBps: (r.decodeTokensPerSecond * weightBytes) / 1e9,
  shareOfReadBandwidth: (r.decodeTokensPerSecond * weightBytes) / 1e9 / bandwidth.readGBps,
  shareOfCopyBandwidth: (r.decodeTokensPerSecond * weightBytes) / 1e9 / bandwidth.copyGBps,
}));
const speedup = (engine: EngineName, context: number) => {
  const of = (name: EngineName) => rows.find((r) => r.engine === name && r.context === context)!.decodeTokensPerSecond;
  return of(engine) / of('transformers-js');
};

const header = `| engine | context | first token (ms) | decode tok/s | × transformers.js | peak RSS (MiB) | tok/s × weights (GB/s) | of memcpy bandwidth | others' CPU |`;
const lines = [header, '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
for (const r of rows) {
  lines.push(
    `| ${r.engine} | ${r.context} | ${r.timeToFirstTokenMs.toFixed(0)} | ${r.decodeTokensPerSecond.toFixed(1)} | ${speedup(r.engine, r.context).toFixed(2)} | ${(r.peakRssBytes / 2 ** 20).toFixed(0)} | ${r.weightGBps.toFixed(1)} | ${(r.shareOfCopyBandwidth * 100).toFixed(0)}% | ${r.otherCpuShare === null ? '?' : `${(r.otherCpuShare * 100).toFixed(0)}%`} |`,
  );
}
console.log(
  `\nSmolLM2-135M shape, random weights, fp32, ${numThreads} threads, ${decodeSteps} decode steps after the prompt`,
);
console.log(
  `weights ${(weightBytes / 1e6).toFixed(0)} MB; memory bandwidth ${bandwidth.readGBps.toFixed(1)} GB/s read, ${bandwidth.copyGBps.toFixed(1)} GB/s copy`,
);
console.log(
  `other processes used ${otherCpuShare === null ? 'an unknown share' : `${(otherCpuShare * 100).toFixed(0)}%`} of the CPU meanwhile\n`,
);
console.log(lines.join('\n'));
const goals = {
  'pio-checkpoint ≥ 1.5× transformers.js at 512': speedup('pio-checkpoint', 512) >= 1.5,
  'pio-checkpoint ≥ 3× transformers.js at 1536': speedup('pio-checkpoint', 1536) >= 3,
};
console.log('\ngoals:', goals);

const report = {
  name: 'side-by-side',
  date: new Date().toISOString(),
  machine: machineInfo(packageDir),
  shape: 'SmolLM2-135M (random weights)',
  dtype: 'float32',
  numThreads,
  decodeSteps,
  repetitions,
  weightBytes,
  memoryBandwidth: bandwidth,
  otherCpuShare,
  results: rows,
  speedupOverTransformersJs: Object.fromEntries(
    engines.map((engine) => [
      engine,
      Object.fromEntries(contexts.map((context) => [context, speedup(engine, context)])),
    ]),
  ),
  goals,
};
const resultsDir = join(packageDir, 'benchmarks', 'results');
await mkdir(resultsDir, { recursive: true });
await writeFile(join(resultsDir, 'side-by-side.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote ${join(resultsDir, 'side-by-side.json')}`);
