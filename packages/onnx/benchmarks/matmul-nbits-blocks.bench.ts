// Times one 4-bit MatMulNBits (Llama-3.2-1B's up projection, [8192 x 2048]) per block size and accuracy level,
// for one row (a decode step) and 512 rows (a prompt), then by rows 1-32 (a batched decode step), 2 threads.
// Run: pnpm --filter @pio/onnx bench:matmul-nbits
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, quantizeLinearNBits } from '../src/index.js';

const [N, K] = [8192, 2048];
const weight = new Float32Array(N * K).map((_, i) => Math.sin(i * 0.37));

/** A session of one 4-bit MatMulNBits over `weight`. */
async function matMulSession(blockSize: 32 | 64 | 128, accuracyLevel: 0 | 4): Promise<ort.InferenceSession> {
  const quantized = quantizeLinearNBits(weight, N, K, { bits: 4, blockSize, symmetric: true });
  const g = new GraphBuilder({ name: 'matmul' });
  const x = g.input('x', 'float32', ['rows', K]);
  g.output('y', 'float32', undefined, g.quantizedMatMul(x, 'w', quantized, { accuracyLevel }));
  return ort.InferenceSession.create(g.toBytes(), {
    intraOpNumThreads: 2,
    extra: { session: { intra_op: { allow_spinning: '1' } } },
  });
}

/** Milliseconds of `rows` rows after 3 warm-up runs: the mean of `repeats` runs, and their minimum. */
async function time(
  session: ort.InferenceSession,
  rows: number,
  repeats: number,
): Promise<{ mean: number; min: number }> {
  const feeds = {
    x: new ort.Tensor(
      'float32',
      new Float32Array(rows * K).map((_, i) => Math.cos(i)),
      [rows, K],
    ),
  };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await session.run(feeds);
    times.push(performance.now() - started);
  }
  return { mean: times.reduce((sum, ms) => sum + ms, 0) / repeats, min: Math.min(...times) };
}

for (const blockSize of [32, 64, 128] as const) {
  for (const accuracyLevel of [0, 4] as const) {
    const session = await matMulSession(blockSize, accuracyLevel);
    const cells: string[] = [];
    for (const rows of [1, 512]) {
      const ms = (await time(session, rows, rows === 1 ? 50 : 5)).mean;
      cells.push(`${rows} row(s): ${ms.toFixed(2)} ms (${((2 * rows * N * K) / ms / 1e6).toFixed(0)} GFLOP/s)`);
    }
    console.log(`block ${blockSize}, accuracy_level ${accuracyLevel}: ${cells.join(', ')}`);
    await session.release();
  }
}

// How the cost grows with rows (the batch of a continuous-batching decode step): block 128, accuracy level 4.
const session = await matMulSession(128, 4);
const cells: string[] = [];
for (const rows of [1, 2, 4, 8, 16, 32]) cells.push(`${rows}: ${(await time(session, rows, 30)).min.toFixed(2)} ms`);
console.log(`block 128, accuracy_level 4, min ms by rows: ${cells.join(', ')}`);
await session.release();
