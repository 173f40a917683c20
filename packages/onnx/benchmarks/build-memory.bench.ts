/**
 * Peak memory of a graph build against the checkpoint size: writes a random
 * BF16 checkpoint of a real shape with the test kit (tensor by tensor; cached
 * under the temp folder), then builds it in a fresh child process — a plain
 * Llama-style loop, one MatMulNBits (or Gemm for float32) per weight: read
 * the tensor → quantize → initializer → drop — and prints the child's peak
 * RSS (`process.resourceUsage().maxRSS`) beside the checkpoint and the built
 * files. `--mode memory` builds the same graph the old way (every initializer
 * held until `save`), for comparison; `--load` also loads the built model in
 * onnxruntime (another fresh process) and runs one token.
 *
 *   pnpm --filter @pio/onnx bench:build-memory [--shape llama-3.2-1b|qwen3-4b|smollm2-135m|tiny]
 *       [--bits 4|8|32] [--mode stream|memory|both] [--load]
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openCheckpointWeights } from '@pio/safetensors';
import { type BenchCheckpointRecipe, prepareBenchCheckpoint, referenceShapes } from '@pio/test-kit';
import { GraphBuilder, quantizeLinearNBits } from '../src/index.js';

// The test kit's real shapes (its checkpoint sizes; the loop below reads only the sizes of config.json), and a tiny one.
const shapes: Record<string, BenchCheckpointRecipe> = {
  ...Object.fromEntries(referenceShapes.map((shape) => [shape.name, shape.recipe])),
  tiny: {
    arch: 'llama',
    tokenizer: 'gpt2',
    config: { hidden_size: 256, intermediate_size: 1024, num_hidden_layers: 2, vocab_size: 50257 },
  },
};

const { values: args } = parseArgs({
  options: {
    shape: { type: 'string', default: 'llama-3.2-1b' },
    bits: { type: 'string', default: '4' },
    mode: { type: 'string', default: 'stream' },
    load: { type: 'boolean', default: false },
    child: { type: 'string' },
    checkpoint: { type: 'string' },
    out: { type: 'string' },
  },
});
const bits = Number(args.bits) as 4 | 8 | 32;
const MB = 1e6;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
const fmt = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

interface ChildReport {
  mode: string;
  peakRssMb: number;
  seconds: number;
  modelBytes?: number;
  dataBytes?: number;
  tokenMs?: number;
}

if (args.child === 'build') console.log(JSON.stringify(await build(args.checkpoint!, args.out!, args.mode!)));
else if (args.child === 'load') console.log(JSON.stringify(await load(args.out!)));
else await main();

async function main(): Promise<void> {
  const recipe = shapes[args.shape!];
  if (!recipe) throw new Error(`unknown --shape ${args.shape}: use ${Object.keys(shapes).join(', ')}`);
  if (![4, 8, 32].includes(bits)) throw new Error(`--bits must be 4, 8 or 32, got ${args.bits}`);
  const root = join(tmpdir(), 'pio-bench-build-memory');
  const started = performance.now();
  const checkpoint = await prepareBenchCheckpoint(join(root, args.shape!), recipe);
  console.log(
    `checkpoint ${args.shape}: ${fmt(checkpoint.fileBytes)} BF16, ${(checkpoint.parameters / 1e9).toFixed(2)} B parameters` +
      (checkpoint.fromCache
        ? ' (cached)'
        : `, written in ${((performance.now() - started) / 1000).toFixed(0)} s at peak RSS ${peakRssMb().toFixed(0)} MB`),
  );
  const modes = args.mode === 'both' ? ['stream', 'memory'] : [args.mode!];
  for (const mode of modes) {
    const out = join(root, `build-${args.shape}-${bits}-${mode}`);
    await rm(out, { recursive: true, force: true });
    const report = runChild(['--child', 'build', '--checkpoint', checkpoint.dir, '--out', out, '--mode', mode]);
    console.log(
      `build (${mode === 'stream' ? 'streamed initializers' : 'in memory until save'}, ${bits === 32 ? 'float32' : `int${bits}`}): ` +
        `peak RSS ${report.peakRssMb.toFixed(0)} MB, ${report.seconds.toFixed(1)} s; ` +
        `built ${fmt(report.dataBytes! + report.modelBytes!)} (decoder.onnx ${(report.modelBytes! / MB).toFixed(1)} MB + data); ` +
        `peak RSS / checkpoint ${(report.peakRssMb / (checkpoint.fileBytes / MB)).toFixed(2)}, / built ${(report.peakRssMb / ((report.dataBytes! + report.modelBytes!) / MB)).toFixed(2)}`,
    );
    if (args.load) {
      const loaded = runChild(['--child', 'load', '--out', out]);
      console.log(
        `load + one token: peak RSS ${loaded.peakRssMb.toFixed(0)} MB (${(loaded.peakRssMb / ((report.dataBytes! + report.modelBytes!) / MB)).toFixed(2)} × the built files), session ${loaded.seconds.toFixed(1)} s, token ${loaded.tokenMs!.toFixed(1)} ms`,
      );
    }
    await rm(out, { recursive: true, force: true });
  }
}

function runChild(childArgs: string[]): ChildReport {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [...process.execArgv, script, ...childArgs, '--bits', String(bits)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`child ${childArgs.join(' ')} failed with status ${result.status}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ChildReport;
}

/** The Llama-style loop: every weight read, quantized (or not), added, dropped. */
async function build(checkpointDir: string, out: string, mode: string): Promise<ChildReport> {
  const started = performance.now();
  const config = JSON.parse(await readFile(join(checkpointDir, 'config.json'), 'utf8')) as {
    hidden_size: number;
    intermediate_size: number;
    num_hidden_layers: number;
    num_attention_heads: number;
    num_key_value_heads: number;
    head_dim?: number;
    vocab_size: number;
  };
  const hidden = config.hidden_size;
  const headDim = config.head_dim ?? hidden / config.num_attention_heads;
  const qSize = config.num_attention_heads * headDim;
  const kvSize = config.num_key_value_heads * headDim;
  const weights = await openCheckpointWeights(checkpointDir);
  await mkdir(out, { recursive: true });
  const g = new GraphBuilder({
    name: 'decoder',
    ...(mode === 'stream' ? { externalData: { dir: out, dataFile: 'decoder.onnx_data' } } : {}),
  });
  // One linear layer: the weight read, quantized, added and dropped before the next one.
  const linear = async (x: string, name: string, N: number, K: number): Promise<string> => {
    const weight = await weights.read(`${name}.weight`);
    if (bits === 32) return g.gemm(x, g.initializer(`${name}.weight`, weight, [N, K]), undefined, { transB: true });
    const quantized = quantizeLinearNBits(weight, N, K, { bits, blockSize: 128, symmetric: true });
    return g.quantizedMatMul(x, name, quantized, { accuracyLevel: 4 });
  };
  const norm = async (x: string, name: string) =>
    g.simplifiedLayerNormalization(x, g.initializer(name, await weights.read(name), [hidden]));
  let x = g.input('x', 'float32', ['tokens', hidden]);
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `model.layers.${layer}`;
    const h = await norm(x, `${p}.input_layernorm.weight`);
    const q = await linear(h, `${p}.self_attn.q_proj`, qSize, hidden);
    const k = await linear(h, `${p}.self_attn.k_proj`, kvSize, hidden);
    const v = await linear(h, `${p}.self_attn.v_proj`, kvSize, hidden);
    // Not attention: enough to make every weight feed the output.
    const mixed = g.add(q, g.op('Tile', [g.add(k, v), g.constInt64([1, qSize / kvSize])])[0]!);
    x = g.add(x, await linear(mixed, `${p}.self_attn.o_proj`, hidden, qSize));
    const m = await norm(x, `${p}.post_attention_layernorm.weight`);
    const gate = await linear(m, `${p}.mlp.gate_proj`, config.intermediate_size, hidden);
    const up = await linear(m, `${p}.mlp.up_proj`, config.intermediate_size, hidden);
    x = g.add(x, await linear(g.mul(g.sigmoid(gate), up), `${p}.mlp.down_proj`, hidden, config.intermediate_size));
  }
  // Tied LM head: the embedding as the last matrix.
  const logits = await linear(await norm(x, 'model.norm.weight'), 'model.embed_tokens', config.vocab_size, hidden);
  g.output('logits', 'float32', ['tokens', config.vocab_size], logits);
  const saved = await g.save(out, { modelFile: 'decoder.onnx', externalData: true, dataFile: 'decoder.onnx_data' });
  await weights.close();
  return {
    mode,
    peakRssMb: peakRssMb(),
    seconds: (performance.now() - started) / 1000,
    modelBytes: saved.modelBytes,
    dataBytes: (await stat(saved.dataPath!)).size,
  };
}

async function load(out: string): Promise<ChildReport> {
  const ort = await import('onnxruntime-node');
  const started = performance.now();
  const session = await ort.InferenceSession.create(join(out, 'decoder.onnx'), { intraOpNumThreads: 2 });
  const seconds = (performance.now() - started) / 1000;
  const hidden = (session.inputMetadata[0] as unknown as { shape: readonly number[] }).shape[1]!;
  const x = new ort.Tensor('float32', new Float32Array(hidden).fill(0.01), [1, hidden]);
  const tokenStart = performance.now();
  await session.run({ x });
  const tokenMs = performance.now() - tokenStart;
  await session.release();
  return { mode: 'load', peakRssMb: peakRssMb(), seconds, tokenMs };
}
