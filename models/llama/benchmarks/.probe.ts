import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readManifest } from '@pio/core';
import { createLlamaPlugin } from '/work/main/models/llama/src/index.ts';
const packageDir = '/work/main/models/llama';
const pj = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
const { metadata } = readManifest(pj, { packageDir, packageJsonPath: join(packageDir, 'package.json'), fallbackName: 'x' });
const plugin = createLlamaPlugin({ metadata, packageDir }) as any;
const dtype = process.argv[2] ?? 'int4';
await plugin.initialize({ checkpoint: '/tmp/pio-bench/smollm2-135m', cacheDir: '/tmp/pio-probe/cache', runtime: { dtype, numThreads: 2, maxContextLength: 2048 } });
const ids = (n: number) => Array.from({ length: n }, (_, i) => (i * 7919 + 13) % 49151);
for (const n of [1, 64, 512, 512, 1536]) {
  const t = performance.now();
  await plugin.forward(ids(n), { reset: true });
  console.log(dtype, 'forward', n, (performance.now() - t).toFixed(0), 'ms');
}
for (let k = 0; k < 2; k++) {
  const t = performance.now();
  const r = await plugin.generateText({ inputIds: ids(512) }, { maxNewTokens: 4 });
  console.log('generate', (performance.now() - t).toFixed(0), 'ms', r.usage, r.promptIds.length);
}
await plugin.cleanup();
