import { join, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createGlm4MoeLitePlugin } from '../src/index.js';
const dir = '/tmp/glm-step-profile';
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const metadata = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
const plugin = createGlm4MoeLitePlugin({ metadata: { ...metadata.pio, name: metadata.name, version: metadata.version }, packageDir } as never) as any;
await plugin.initialize({ checkpoint: join(dir, 'ckpt'), cacheDir: join(dir, 'cache'), runtime: { dtype: process.env.DT ?? 'int4', maxContextLength: 9000, numThreads: 2 } });
const ids = Array.from({ length: 8400 }, (_, i) => 100 + ((i * 7919) % 3000));
for (const ctx of (process.env.CTX ?? '128,1024,4096').split(',').map(Number)) {
  let s = performance.now();
  await plugin.forward(ids.slice(0, ctx), { reset: true });
  const fill = performance.now() - s;
  const t: number[] = [];
  for (let i = 0; i < 12; i++) { s = performance.now(); await plugin.forward([ids[ctx + i]]); t.push(performance.now() - s); }
  console.log(`ctx ${ctx}: fill ${fill.toFixed(0)} ms (${(ctx * 1000 / fill).toFixed(0)} tok/s), steps ms ${t.map((x) => x.toFixed(1)).join(' ')}`);
}
await plugin.cleanup();
