// Throughput of dequantizeGgml and ggmlToMatMulNBits on one [2048 x 2048] matrix per type, best of 5, one thread
// of JavaScript. Run: pnpm --filter @pio/gguf bench:dequantize
import { performance } from 'node:perf_hooks';
import {
  dequantizeGgml,
  ggmlToMatMulNBits,
  quantizeQ4_0,
  quantizeQ4_K,
  quantizeQ6_K,
  quantizeQ8_0,
} from '../src/index.js';

const count = 2048 * 2048;
const weight = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.001) * 0.1);
for (const [type, quantize] of [
  ['Q4_0', quantizeQ4_0],
  ['Q8_0', quantizeQ8_0],
  ['Q4_K', quantizeQ4_K],
  ['Q6_K', quantizeQ6_K],
] as const) {
  const bytes = quantize(weight);
  let dequantize = Number.POSITIVE_INFINITY;
  let rearrange = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    let started = performance.now();
    dequantizeGgml(type, bytes);
    dequantize = Math.min(dequantize, performance.now() - started);
    started = performance.now();
    ggmlToMatMulNBits({ type, shape: [2048, 2048], bytes });
    rearrange = Math.min(rearrange, performance.now() - started);
  }
  const rate = (ms: number) => `${(count / ms / 1e3).toFixed(0)} M weights/s`;
  console.log(`${type}: dequantizeGgml ${rate(dequantize)}, ggmlToMatMulNBits ${rate(rearrange)}`);
}
