import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildCache } from './build-cache.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-build-killed-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

// A build killed mid-way (SIGKILL: no finally, no cleanup) after writing the graph and half its weights.
const childSource = `
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildCache } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'build-cache.ts')).href)};
await new BuildCache(process.env.CACHE_ROOT).getOrBuild('model', async (dir) => {
  await writeFile(join(dir, 'decoder.onnx'), 'graph');
  const data = await open(join(dir, 'decoder.onnx_data'), 'w');
  await data.write(Buffer.alloc(1 << 20, 7), 0, 1 << 20, 0);
  process.kill(process.pid, 'SIGKILL');
  await new Promise(() => {});
});
`;

function killedBuild(cacheRoot: string): Promise<NodeJS.Signals | null> {
  const child = spawn(
    process.execPath,
    ['--conditions=@pio/source', '--import', 'tsx', '--input-type=module', '-e', childSource],
    { cwd: import.meta.dirname, env: { ...process.env, CACHE_ROOT: cacheRoot }, stdio: 'ignore' },
  );
  return new Promise((resolve) => child.on('close', (_code, signal) => resolve(signal)));
}

describe('BuildCache after a build killed mid-way', () => {
  it('leaves no folder under the key, and the next start rebuilds and removes the leftovers', async () => {
    const cacheRoot = join(root, 'builds');
    expect(await killedBuild(cacheRoot)).toBe('SIGKILL');
    // What the killed process left: its temporary folder and its lock, never a folder named by the key.
    const left = (await readdir(cacheRoot)).sort();
    expect(left).toHaveLength(2);
    expect(left[0]).toMatch(/^\.tmp-model-[0-9a-f]{8}$/);
    expect(left[1]).toBe('model.lock');
    await expect(stat(join(cacheRoot, 'model'))).rejects.toMatchObject({ code: 'ENOENT' });

    const cache = new BuildCache(cacheRoot);
    let builds = 0;
    const build = async (dir: string) => {
      builds += 1;
      await writeFile(join(dir, 'decoder.onnx'), 'graph');
      await writeFile(join(dir, 'decoder.onnx_data'), Buffer.alloc(1 << 20, 7));
      return { graphs: { decode: 'decoder.onnx' }, info: {} };
    };
    const next = await cache.getOrBuild('model', build);
    expect(next.fromCache).toBe(false);
    expect(builds).toBe(1);
    expect(await readFile(join(next.dir, 'decoder.onnx'), 'utf8')).toBe('graph');
    // The dead process's temporary folder and lock are gone; only the finished build stays.
    expect(await readdir(cacheRoot)).toEqual(['model']);
    expect((await cache.getOrBuild('model', build)).fromCache).toBe(true);
    expect(builds).toBe(1);
  });
});
