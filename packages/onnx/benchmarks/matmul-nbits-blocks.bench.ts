// Times one 4-bit MatMulNBits (Llama-3.2-1B's up projection, [8192 x 2048]) per block size and accuracy level,
// for one row (a decode step) and 512 rows (a prompt), then by rows 1-32 (a batched decode step), 2 threads.
// Run: pnpm --filter @pio/onnx bench:matmul-nbits
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, quantizeLinearNBits } from '../src/index.js';

const [N, K] = [8192, 2048];
const weight = new Float32Array(N * K).map((_, i) => Math.sin(i * 0.37));
for (const blockSize of [32, 64, 128] as const) {
  const quantized = quantizeLinearNBits(weight, N, K, { bits: 4, blockSize, symmetric: true });
  for (const accuracyLevel of [0, 4] as const) {
    const g = new GraphBuilder({ name: 'matmul' });
    const x = g.input('x', 'float32', ['rows', K]);
    g.output('y', 'float32', undefined, g.quantizedMatMul(x, 'w', quantized, { accuracyLevel }));
    const session = await ort.InferenceSession.create(g.toBytes(), {
      intraOpNumThreads: 2,
      extra: { session: { intra_op: { allow_spinning: '1' } } },
    });
    const cells: string[] = [];
    for (const rows of [1, 512]) {
      const feeds = {
        x: new ort.Tensor(
          'float32',
          new Float32Array(rows * K).map((_, i) => Math.cos(i)),
          [rows, K],
        ),
      };
      for (let i = 0; i < 3; i++) await session.run(feeds);
      const repeats = rows === 1 ? 50 : 5;
      const started = performance.now();
      for (let i = 0; i < repeats; i++) await session.run(feeds);
      const ms = (performance.now() - started) / repeats;
      cells.push(`${rows} row(s): ${ms.toFixed(2)} ms (${((2 * rows * N * K) / ms / 1e6).toFixed(0)} GFLOP/s)`);
    }
    console.log(`block ${blockSize}, accuracy_level ${accuracyLevel}: ${cells.join(', ')}`);
    await session.release();
  }
}

// How the cost grows with rows (the batch of a continuous-batching decode step): block 128, accuracy level 4.
{
  const quantized = quantizeLinearNBits(weight, N, K, { bits: 4, blockSize: 128, symmetric: true });
  const g = new GraphBuilder({ name: 'matmul-rows' });
  const x = g.input('x', 'float32', ['rows', K]);
  g.output('y', 'float32', undefined, g.quantizedMatMul(x, 'w', quantized, { accuracyLevel: 4 }));
  const session = await ort.InferenceSession.create(g.toBytes(), {
    intraOpNumThreads: 2,
    extra: { session: { intra_op: { allow_spinning: '1' } } },
  });
  const cells: string[] = [];
  for (const rows of [1, 2, 4, 8, 16, 32]) {
    const feeds = {
      x: new ort.Tensor(
        'float32',
        new Float32Array(rows * K).map((_, i) => Math.cos(i)),
        [rows, K],
      ),
    };
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      await session.run(feeds);
      times.push(performance.now() - started);
    }
    cells.push(`${rows}: ${Math.min(...times).toFixed(2)} ms`);
  }
  console.log(`block 128, accuracy_level 4, min ms by rows: ${cells.join(', ')}`);
  await session.release();
}
