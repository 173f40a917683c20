import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-build-race-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// Each child waits for a `go` file, then calls getOrBuild on the same key with
// a build that takes a little while and logs its pid; it prints its result as JSON.
const childSource = `
import { appendFile, access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildCache } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'build-cache.ts')).href)};
const root = process.env.RACE_ROOT;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
process.stdout.write('ready\\n');
for (let i = 0; i < 1000; i++) {
  if (await access(join(root, 'go')).then(() => true, () => false)) break;
  await sleep(5);
}
const cache = new BuildCache(join(root, 'builds'));
const result = await cache.getOrBuild('same-key', async (dir) => {
  await appendFile(join(root, 'builders.log'), process.pid + '\\n');
  await writeFile(join(dir, 'decoder.onnx'), 'graph');
  await sleep(300);
  await writeFile(join(dir, 'decoder.onnx_data'), Buffer.alloc(1 << 20, 1));
  return { graphs: { decode: 'decoder.onnx' }, info: { builtBy: process.pid } };
}, { pollMs: 20 });
process.stdout.write(JSON.stringify({ dir: result.dir, fromCache: result.fromCache, builtBy: result.record.info.builtBy }) + '\\n');
`;

interface ChildOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startChild(): { child: ChildProcess; ready: Promise<void>; done: Promise<ChildOutcome> } {
  const child = spawn(
    process.execPath,
    ['--conditions=@pio/source', '--import', 'tsx', '--input-type=module', '-e', childSource],
    { cwd: import.meta.dirname, env: { ...process.env, RACE_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('ready\n')) markReady();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<ChildOutcome>((resolve) => {
    child.on('close', (code) => {
      markReady();
      resolve({ code, stdout, stderr });
    });
  });
  return { child, ready, done };
}

describe('BuildCache across processes', () => {
  it('three processes starting together on the same key all succeed, and exactly one builds', async () => {
    const children = [startChild(), startChild(), startChild()];
    const killAll = setTimeout(() => {
      for (const { child } of children) child.kill();
    }, 50_000);
    try {
      await Promise.all(children.map(({ ready }) => ready));
      await writeFile(join(root, 'go'), '');
      const outcomes = await Promise.all(children.map(({ done }) => done));
      for (const outcome of outcomes) expect(outcome, outcome.stderr).toMatchObject({ code: 0 });
      const results = outcomes.map(
        (outcome) =>
          JSON.parse(outcome.stdout.split('\n').filter(Boolean).at(-1)!) as {
            dir: string;
            fromCache: boolean;
            builtBy: number;
          },
      );
      const builders = (await readFile(join(root, 'builders.log'), 'utf8')).trim().split('\n');
      expect(builders).toHaveLength(1);
      expect(results.filter((result) => !result.fromCache)).toHaveLength(1);
      expect(new Set(results.map((result) => result.dir))).toEqual(new Set([join(root, 'builds', 'same-key')]));
      expect(new Set(results.map((result) => String(result.builtBy)))).toEqual(new Set(builders));
      // No lock, temporary or damaged folder left behind.
      expect(await readdir(join(root, 'builds'))).toEqual(['same-key']);
    } finally {
      clearTimeout(killAll);
    }
  });
});
