import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { prepareBenchCheckpoint } from '@pio/test-kit';
import { createGlm4MoeLitePlugin } from '../src/index.js';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';

const layers = 2;
const config = {
  hidden_size: 512, intermediate_size: 1024, moe_intermediate_size: 256, num_hidden_layers: layers,
  num_attention_heads: 20, num_key_value_heads: 20, q_lora_rank: 768, kv_lora_rank: 512,
  qk_nope_head_dim: 192, qk_rope_head_dim: 64, v_head_dim: 256, rope_interleave: true,
  n_routed_experts: 4, n_shared_experts: 1, num_experts_per_tok: 2, norm_topk_prob: true,
  routed_scaling_factor: 1.8, topk_method: 'noaux_tc', n_group: 1, topk_group: 1, first_k_dense_replace: 1,
  num_nextn_predict_layers: 0, vocab_size: 4096, tie_word_embeddings: false, rope_theta: 1000000,
  max_position_embeddings: 202752, rms_norm_eps: 1e-5,
};
const dir = '/tmp/glm-step-profile';
const checkpoint = await prepareBenchCheckpoint(join(dir, 'ckpt'), { arch: 'glm4_moe_lite', config, tokenizer: 'qwen3' } as never);
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const metadata = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
const plugin = createGlm4MoeLitePlugin({ metadata: { ...metadata.pio, name: metadata.name, version: metadata.version }, packageDir } as never);
const cacheDir = join(dir, 'cache');
await plugin.initialize({ checkpoint: checkpoint.dir, cacheDir, runtime: { dtype: process.env.DT ?? 'int4', maxContextLength: 9000, numThreads: 2 } } as never);
await plugin.cleanup();
async function find(d: string): Promise<string | undefined> {
  for (const e of await readdir(d, { withFileTypes: true })) {
    if (e.isDirectory()) { const f = await find(join(d, e.name)); if (f) return f; }
    else if (e.name === 'decoder.onnx') return join(d, e.name);
  }
}
const model = (await find(cacheDir))!;
console.log(model);
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
console.log(session.inputNames.join(' '));
const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
for (const ctx of [128, 1024, 8192]) {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', BigInt64Array.from([5n]), [1]);
    else if (name === 'logit_indices') feeds[name] = new ort.Tensor('int64', BigInt64Array.from([0n]), [1]);
    else if (name.startsWith('past_key')) feeds[name] = new ort.Tensor('float32', rnd((1 + ctx) * 576), [1 + ctx, 576]);
    else if (name === 'sequence_lengths') feeds[name] = new ort.Tensor('int32', new Int32Array(0), [0]);
    else if (name === 'positions') feeds[name] = new ort.Tensor('int64', new BigInt64Array(0), [0]);
    else if (name.startsWith('slot_key')) feeds[name] = new ort.Tensor('float32', new Float32Array(0), [0, 1, 0, 576]);
    else throw new Error(name);
  }
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const t: number[] = [];
  for (let i = 0; i < 10; i++) { const s = performance.now(); await session.run(feeds); t.push(performance.now() - s); }
  t.sort((a, b) => a - b);
  console.log(`ctx ${ctx}: min ${t[0]!.toFixed(2)} median ${t[5]!.toFixed(2)} ms per step (${layers} layers)`);
}
