import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineJob, EngineName, EngineResult } from './engines/engine-job.js';

const engineScripts = {
  pio: fileURLToPath(new URL('./engines/pio-engine.ts', import.meta.url)),
  'llama.cpp': fileURLToPath(new URL('./engines/llama-cpp-engine.ts', import.meta.url)),
} as const;

/**
 * Runs one engine job in a fresh Node process and returns what it printed.
 * The engine script runs through tsx; the `@pio/*` packages it imports come
 * from their TypeScript sources (`@pio/source` export condition) unless the
 * job says `fromDist` (their built `dist/`, as an installed `pio` loads them).
 *
 * @throws Error with the process's stderr when it fails.
 */
export function runEngine(job: EngineJob): Promise<EngineResult> {
  return runJobProcess<EngineResult>(engineScripts[job.engine], job);
}

/**
 * Runs `script` (a TypeScript file that reads the JSON job file named in its
 * argv and prints one JSON line) in a fresh Node process and parses that line.
 * The job goes through a file: a large argv crashes onnxruntime-node 1.30's
 * first session.
 *
 * @throws Error with the process's stderr when it fails.
 */
export async function runJobProcess<Result>(
  script: string,
  job: { engine: EngineName; model: string; fromDist?: boolean },
): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'pio-bench-job-'));
  const jobFile = join(dir, 'job.json');
  await writeFile(jobFile, JSON.stringify(job));
  try {
    const source = job.fromDist ? [] : ['--conditions=@pio/source'];
    const child = spawn(process.execPath, [...source, '--import', 'tsx', script, jobFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const line = stdout.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !line.startsWith('{')) {
      throw new Error(`${job.engine} on ${job.model} exited with ${code}:\n${stderr.slice(-4000)}`);
    }
    return JSON.parse(line) as Result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The main of an engine script, the other end of {@link runJobProcess}: reads
 * the job from the JSON file named by argv[2], runs `measure`, prints its
 * result as one JSON line.
 */
export async function runJobMain<Job, Result>(measure: (job: Job) => Promise<Result>): Promise<void> {
  const job = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as Job;
  const result = await measure(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
