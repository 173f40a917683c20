// Throughput of pullModel against the local test hub (loopback, so this measures the client: fetch, hashing, writes),
// and the cost of resuming (re-hashing the part on disk). Writes benchmarks/results/pull.json.
// Run: pnpm --filter @pio/hub bench   (wrap in `flock /tmp/pio-bench.lock` on a shared machine)
import { createHash, randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullModel } from '../src/index.js';
import { startHubTestServer } from '../src/testing/index.js';

const mib = 1024 * 1024;
const sizeMiB = Number(process.env.PIO_BENCH_MIB ?? 256);
const root = mkdtempSync(join(tmpdir(), 'pio-hub-bench-'));
const source = join(root, 'repo');
mkdirSync(source);
const weights = Buffer.alloc(sizeMiB * mib);
randomFillSync(weights);
writeFileSync(join(source, 'model.safetensors'), weights);
writeFileSync(join(source, 'config.json'), '{"model_type": "llama"}\n');
const repo = 'bench/model';
const hub = await startHubTestServer({ repos: { [repo]: { revisions: { main: { commit: 'b'.repeat(40), dir: source } } } } });

const seconds = async (run: () => Promise<unknown>) => {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
};
try {
  const hashSeconds = await seconds(async () => createHash('sha256').update(weights).digest('hex'));
  const fresh: number[] = [];
  for (let i = 0; i < 3; i++) {
    fresh.push(await seconds(() => pullModel(repo, { endpoint: hub.endpoint, cacheDir: join(root, `cache-${i}`), token: '' })));
  }
  // Cut at half, then resume in a new call: it re-hashes the first half from disk and fetches the rest.
  const cacheDir = join(root, 'cache-resume');
  hub.faults.cut = [{ path: 'model.safetensors', afterBytes: (sizeMiB * mib) / 2, times: 1 }];
  await pullModel(repo, { endpoint: hub.endpoint, cacheDir, token: '', retries: 0 }).catch(() => {});
  const resume = await seconds(() => pullModel(repo, { endpoint: hub.endpoint, cacheDir, token: '' }));
  const median = [...fresh].sort((a, b) => a - b)[1]!;
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    fileMiB: sizeMiB,
    sha256MiBPerSecond: Math.round(sizeMiB / hashSeconds),
    pullSeconds: fresh.map((s) => Number(s.toFixed(3))),
    pullMiBPerSecond: Math.round(sizeMiB / median),
    resumeFromHalfSeconds: Number(resume.toFixed(3)),
    note: 'loopback test hub in the same process; the server shares the CPU with the client',
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/pull.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
}
