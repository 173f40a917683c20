// Times one 4-bit MatMulNBits (Llama-3.2-1B's up projection, [8192 x 2048]) per block size and accuracy level,
// for one row (a decode step) and 512 rows (a prompt), then by rows 1-32 (a batched decode step), 2 threads,
// against the same matrix as int8 weights through DynamicQuantizeMatMul (MLAS's int8 GEMM, u8 activations x s8 weights).
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

/**
 * A session of one DynamicQuantizeMatMul over `weight` as int8 `[K, N]` with a
 * scale per output column (symmetric, no zero point): activations are
 * quantized per tensor to uint8 at run time, then MLAS's u8 x s8 GEMM runs.
 */
async function dynamicQuantizeMatMulSession(): Promise<ort.InferenceSession> {
  const scales = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let largest = 0;
    for (let k = 0; k < K; k++) largest = Math.max(largest, Math.abs(weight[n * K + k]!));
    scales[n] = largest / 127 || 1;
  }
  const b = new Int8Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) b[k * N + n] = Math.round(weight[n * K + k]! / scales[n]!);
  const g = new GraphBuilder({ name: 'dynamic_quantize_matmul' });
  const x = g.input('x', 'float32', ['rows', K]);
  const [y] = g.op(
    'DynamicQuantizeMatMul',
    [x, g.initializer('b', b, [K, N], 'int8'), g.initializer('scales', scales, [N])],
    {},
    {
      domain: 'com.microsoft',
    },
  );
  g.output('y', 'float32', undefined, y!);
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

// How the cost grows with rows (the batch of a continuous-batching decode step, then prompts), min of the runs.
const byRows = [1, 2, 4, 8, 16, 32, 128, 512];
for (const [label, create] of [
  ['4-bit MatMulNBits, block 128, accuracy_level 4', () => matMulSession(128, 4)],
  ['int8 DynamicQuantizeMatMul (per-column scales)', dynamicQuantizeMatMulSession],
] as const) {
  const session = await create();
  const cells: string[] = [];
  for (const rows of byRows)
    cells.push(`${rows}: ${(await time(session, rows, rows > 32 ? 5 : 30)).min.toFixed(2)} ms`);
  console.log(`${label}, min ms by rows: ${cells.join(', ')}`);
  await session.release();
}
