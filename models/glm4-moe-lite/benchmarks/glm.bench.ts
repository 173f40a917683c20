/**
 * `pnpm --filter @pio/model-glm4-moe-lite bench`: GLM-4.7-Flash at full depth
 * with fewer experts. Random BF16 weights in the real layer shape (hidden
 * 2048, 47 layers with layer 0 dense of width 10240, 20 heads, q_lora_rank
 * 768, kv_lora_rank 512, nope 192 + rope 64, v 256, expert width 1536 + one
 * shared expert, top-4, vocab 154880, untied) but 16 routed experts per layer
 * instead of 64: the same active weights per token as the real model.
 * Measures the int4 build (time, peak RSS), decode at 128 and 8192 context,
 * prefill of 512, run peak RSS, the cache bytes per token (576 floats per
 * layer), and the bandwidth bound: active int4 weight bytes per token ÷ the
 * machine's read bandwidth. Writes benchmarks/results/glm-4.7-flash-16e*.json.
 *
 * `--experts N`, `--layers N` and `--contexts 128,8192` change the shape.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureReadBandwidth, runDecoderBenchmark } from '@pio/test-kit';
import { Glm4MoeLiteConfig } from '../src/config.js';
import { createGlm4MoeLitePlugin } from '../src/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    experts: { type: 'string', default: '16' },
    layers: { type: 'string', default: '47' },
    contexts: { type: 'string', default: '128,8192' },
  },
  allowPositionals: true,
});
const experts = Number(values.experts);
const layers = Number(values.layers);
const contexts = values.contexts.split(',').map(Number);
const name = `glm-4.7-flash-${experts}e${layers === 47 ? '' : `-${layers}l`}`;
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
// zai-org/GLM-4.7-Flash config.json, with `n_routed_experts` and `num_hidden_layers` from the command line.
const config = {
  hidden_size: 2048,
  intermediate_size: 10240,
  moe_intermediate_size: 1536,
  num_hidden_layers: layers,
  num_attention_heads: 20,
  num_key_value_heads: 20,
  q_lora_rank: 768,
  kv_lora_rank: 512,
  qk_nope_head_dim: 192,
  qk_rope_head_dim: 64,
  v_head_dim: 256,
  rope_interleave: true,
  n_routed_experts: experts,
  n_shared_experts: 1,
  num_experts_per_tok: 4,
  norm_topk_prob: true,
  routed_scaling_factor: 1.8,
  topk_method: 'noaux_tc',
  n_group: 1,
  topk_group: 1,
  first_k_dense_replace: 1,
  num_nextn_predict_layers: 0,
  vocab_size: 154880,
  tie_word_embeddings: false,
  rope_theta: 1000000,
  max_position_embeddings: 202752,
  rms_norm_eps: 1e-5,
};

const report = await runDecoderBenchmark({
  name,
  title: `GLM-4.7-Flash layer shape, ${experts} routed experts + 1 shared × ${layers} layers, random BF16 weights`,
  packageDir,
  createPlugin: createGlm4MoeLitePlugin,
  arch: 'glm4_moe_lite',
  config,
  tokenizer: 'qwen3',
  dtypes: ['int4'],
  contexts,
  prefillLength: 512,
  decodeSteps: 16,
  numThreads: 2,
});

if (report) {
  // int4 MatMulNBits: half a byte per weight plus a float32 scale per block of 128; the absorbed kv_b halves stay float32.
  const bytesPerWeight = 0.5 + 4 / 128;
  const glm = Glm4MoeLiteConfig.fromHuggingFace({
    ...config,
    architectures: ['Glm4MoeLiteForCausalLM'],
    model_type: 'glm4_moe_lite',
  });
  const kvB = layers * config.num_attention_heads * (config.qk_nope_head_dim + config.v_head_dim) * config.kv_lora_rank;
  // A token reads one embedding row, not the table: leave the table out.
  const quantizedWeights = glm.activeParameters() - config.vocab_size * config.hidden_size - kvB;
  const activeBytes = quantizedWeights * bytesPerWeight + kvB * 4;
  const bandwidth = await measureReadBandwidth(2);
  const boundTokensPerSecond = bandwidth / activeBytes;
  const int4 = report.results.find((entry) => entry.dtype === 'int4')!;
  const decode = int4.summary.decodeTokensPerSecond;
  const first = decode[String(contexts[0])]!;
  const last = decode[String(contexts.at(-1))]!;
  const bound = {
    activeParameters: glm.activeParameters(),
    totalParameters: glm.estimateParameters(),
    cacheBytesPerToken: glm.kvCacheBytes(1),
    cacheBytesPerTokenExpected: 576 * 4 * layers,
    activeBytesPerToken: Math.round(activeBytes),
    readBandwidthGBs: +(bandwidth / 1e9).toFixed(1),
    boundTokensPerSecond: +boundTokensPerSecond.toFixed(2),
    decodeTokensPerSecond: decode,
    shareOfBound: +(first / boundTokensPerSecond).toFixed(3),
    longContextSlowdown: +(first / last).toFixed(3),
  };
  process.stdout.write(
    `\ncache: ${bound.cacheBytesPerToken} bytes per token (576 floats × ${layers} layers × 4 = ${bound.cacheBytesPerTokenExpected})\nbandwidth bound: ${(activeBytes / 1e9).toFixed(2)} GB of active weights per token at ${bound.readBandwidthGBs} GB/s = ${bound.boundTokensPerSecond} tok/s; decode at ${contexts[0]} = ${first.toFixed(2)} tok/s (${(100 * bound.shareOfBound).toFixed(0)}% of the bound); step at ${contexts.at(-1)} / step at ${contexts[0]} = ${bound.longContextSlowdown}\n`,
  );
  await writeFile(
    join(packageDir, 'benchmarks', 'results', `${name}-bound.json`),
    `${JSON.stringify(bound, null, 2)}\n`,
  );
}
