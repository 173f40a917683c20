import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { prepareBenchCheckpoint, qwen3MoeConfig } from '@pio/test-kit';
import { createQwen3MoePlugin } from '../src/index.js';

const layers = Number(process.env.LAYERS ?? 8);
const dir = `/tmp/moe-step-profile-${layers}`;
const checkpoint = await prepareBenchCheckpoint(join(dir, 'ckpt'), { arch: 'qwen3_moe', config: qwen3MoeConfig(16, layers), tokenizer: 'qwen3' } as never);
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const metadata = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
const plugin = createQwen3MoePlugin({ metadata: { ...metadata.pio, name: metadata.name, version: metadata.version }, packageDir } as never);
const cacheDir = join(dir, 'cache');
let s = performance.now();
await plugin.initialize({ checkpoint: checkpoint.dir, cacheDir, runtime: { dtype: 'int4', maxContextLength: 1024, numThreads: 2 } } as never);
console.log(`initialize ${(performance.now() - s).toFixed(0)} ms`);
await plugin.cleanup();
async function find(d: string): Promise<string | undefined> {
  for (const e of await readdir(d, { withFileTypes: true })) {
    if (e.isDirectory()) { const f = await find(join(d, e.name)); if (f) return f; }
    else if (e.name === 'decoder.onnx') return join(d, e.name);
  }
}
const model = (await find(cacheDir))!;
const profile = process.env.PROFILE === '1';
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableProfiling: profile, profileFilePrefix: join(dir, 'prof'), extra: { session: { intra_op: { allow_spinning: '1' } } } });
const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const ctx = 128;
const make = (token: number) => {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', BigInt64Array.from([BigInt(token)]), [1]);
    else if (name === 'logit_indices') feeds[name] = new ort.Tensor('int64', BigInt64Array.from([0n]), [1]);
    else if (name.startsWith('past_')) feeds[name] = new ort.Tensor('float32', rnd((1 + ctx) * 512), [1 + ctx, 512]);
    else if (name === 'sequence_lengths') feeds[name] = new ort.Tensor('int32', new Int32Array(0), [0]);
    else if (name === 'positions') feeds[name] = new ort.Tensor('int64', new BigInt64Array(0), [0]);
    else if (name.startsWith('slot_')) feeds[name] = new ort.Tensor('float32', new Float32Array(0), [0, 4, 0, 128]);
    else throw new Error(name);
  }
  return feeds;
};
for (let i = 0; i < 3; i++) await session.run(make(100 + i));
const t: number[] = [];
for (let i = 0; i < 20; i++) { const f = make(1000 + i * 37); s = performance.now(); await session.run(f); t.push(performance.now() - s); }
t.sort((a, b) => a - b);
console.log(`${layers} layers: step min ${t[0]!.toFixed(2)} median ${t[10]!.toFixed(2)} ms`);
if (profile) {
  const file = await session.endProfiling();
  const events = JSON.parse(await readFile(file, 'utf8')) as Array<{ cat: string; name: string; dur: number; args?: { op_name?: string } }>;
  const byOp = new Map<string, number>();
  for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) byOp.set(e.args?.op_name ?? '?', (byOp.get(e.args?.op_name ?? '?') ?? 0) + e.dur);
  const runs = 23;
  const rows = [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [op, us] of rows) console.log(`${op.padEnd(28)} ${(us / runs / 1000).toFixed(3)} ms/step`);
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  console.log(`sum of kernels ${(total / runs / 1000).toFixed(2)} ms/step`);
}
