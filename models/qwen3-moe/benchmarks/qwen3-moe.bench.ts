/**
 * `pnpm --filter @pio/model-qwen3-moe bench`: Qwen3-30B-A3B at full depth
 * with fewer experts. Random BF16 weights in the real layer shape (hidden
 * 2048, 48 layers, 32/4 heads of 128, expert width 768, top-8, vocab 151936,
 * untied) but 16 experts per layer instead of 128: the same active weights
 * per token as the real model, a ~10 GB checkpoint. Measures the int4 build
 * (time, peak RSS), cached start, decode at 128, prefill of 512 and peak
 * RSS, then the bandwidth bound: active int4 weight bytes per token ÷ the
 * machine's read bandwidth. Writes benchmarks/results/qwen3-30b-a3b-16e.json.
 *
 * `--experts N` and `--layers N` change the shape (`--experts 128 --layers 12`:
 * the real width at a quarter of the depth, for memory).
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureReadBandwidth, qwen3MoeConfig, runDecoderBenchmark } from '@pio/test-kit';
import { Qwen3MoeConfig } from '../src/config.js';
import { createQwen3MoePlugin } from '../src/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { experts: { type: 'string', default: '16' }, layers: { type: 'string', default: '48' } },
  allowPositionals: true,
});
const experts = Number(values.experts);
const layers = Number(values.layers);
const name = `qwen3-30b-a3b-${experts}e${layers === 48 ? '' : `-${layers}l`}`;
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
// Qwen/Qwen3-30B-A3B config.json, with `num_experts` and `num_hidden_layers` from the command line.
const config = qwen3MoeConfig(experts, layers);

const report = await runDecoderBenchmark({
  name,
  title: `Qwen3-30B-A3B layer shape, ${experts} experts × ${layers} layers, random BF16 weights`,
  packageDir,
  createPlugin: createQwen3MoePlugin,
  arch: 'qwen3_moe',
  config,
  tokenizer: 'qwen3',
  dtypes: ['int4'],
  contexts: [128],
  prefillLength: 512,
  decodeSteps: 16,
  numThreads: 2,
});

if (report) {
  // int4 MatMulNBits: half a byte per weight plus a float32 scale per block of 128.
  const bytesPerWeight = 0.5 + 4 / 128;
  const moe = Qwen3MoeConfig.fromHuggingFace({
    ...config,
    architectures: ['Qwen3MoeForCausalLM'],
    model_type: 'qwen3_moe',
  });
  // A token reads one embedding row, not the table: leave the table out.
  const activeWeights = moe.activeParameters() - moe.vocabSize * moe.hiddenSize;
  const activeBytes = activeWeights * bytesPerWeight;
  const bandwidth = await measureReadBandwidth(2);
  const boundTokensPerSecond = bandwidth / activeBytes;
  const int4 = report.results.find((entry) => entry.dtype === 'int4')!;
  const decode = int4.summary.decodeTokensPerSecond['128']!;
  const bound = {
    activeParameters: moe.activeParameters(),
    totalParameters: moe.estimateParameters(),
    activeBytesPerToken: Math.round(activeBytes),
    readBandwidthGBs: +(bandwidth / 1e9).toFixed(1),
    boundTokensPerSecond: +boundTokensPerSecond.toFixed(2),
    decodeTokensPerSecond: decode,
    shareOfBound: +(decode / boundTokensPerSecond).toFixed(3),
  };
  process.stdout.write(
    `\nbandwidth bound: ${(activeBytes / 1e9).toFixed(2)} GB of active int4 weights per token at ${bound.readBandwidthGBs} GB/s = ${bound.boundTokensPerSecond} tok/s; decode at 128 = ${decode} tok/s (${(100 * bound.shareOfBound).toFixed(0)}% of the bound)\n`,
  );
  await writeFile(
    join(packageDir, 'benchmarks', 'results', `${name}-bound.json`),
    `${JSON.stringify(bound, null, 2)}\n`,
  );
}
