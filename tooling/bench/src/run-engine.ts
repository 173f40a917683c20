import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineJob, EngineResult } from './engines/engine-job.js';

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
export async function runEngine(job: EngineJob): Promise<EngineResult> {
  const dir = await mkdtemp(join(tmpdir(), 'pio-bench-job-'));
  const jobFile = join(dir, 'job.json');
  await writeFile(jobFile, JSON.stringify(job));
  try {
    const source = job.fromDist ? [] : ['--conditions=@pio/source'];
    const args = [...source, '--import', 'tsx', engineScripts[job.engine], jobFile];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
    return JSON.parse(line) as EngineResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
