// Minimal reproduction of an onnxruntime-node 1.30 bug that blocks saving prepacked weights:
// a model saved with `session.save_external_prepacked_constant_initializers` computes garbage
// (NaN) once it holds two or more MatMulNBits nodes with accuracy_level 4; one node, or
// accuracy levels 0/1, round-trip exactly. Run: pnpm --filter @pio/onnx repro:prepacked-save
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, quantizeLinearNBits } from '../src/index.js';

const K = 576;
const dir = await mkdtemp(join(tmpdir(), 'pio-prepacked-save-'));
try {
  for (const level of [0, 1, 4] as const) {
    for (const nodes of [1, 2]) {
      const g = new GraphBuilder({ name: 'repro' });
      let x = g.input('x', 'float32', [3, K]);
      for (let n = 0; n < nodes; n++) {
        const weight = new Float32Array(K * K).map((_, i) => Math.sin(i * 0.37 + n));
        x = g.quantizedMatMul(
          x,
          `w${n}`,
          quantizeLinearNBits(weight, K, K, { bits: 4, blockSize: 64, symmetric: true }),
          {
            accuracyLevel: level,
          },
        );
      }
      g.output('y', 'float32', undefined, x);
      const bytes = g.toBytes();
      const base = { executionProviders: ['cpu'], intraOpNumThreads: 1, logSeverityLevel: 3 as const };
      const original = await ort.InferenceSession.create(bytes, base);
      const saved = join(dir, `l${level}-n${nodes}.onnx`);
      const writer = await ort.InferenceSession.create(bytes, {
        ...base,
        optimizedModelFilePath: saved,
        extra: {
          session: {
            save_external_prepacked_constant_initializers: '1',
            optimized_model_external_initializers_file_name: `l${level}-n${nodes}.onnx_data`,
            optimized_model_external_initializers_min_size_in_bytes: '16',
          },
        },
      });
      await writer.release();
      const reloaded = await ort.InferenceSession.create(saved, base);
      const feeds = {
        x: new ort.Tensor(
          'float32',
          new Float32Array(3 * K).map((_, i) => Math.cos(i * 0.11)),
          [3, K],
        ),
      };
      const a = (await original.run(feeds)).y!.data as Float32Array;
      const b = (await reloaded.run(feeds)).y!.data as Float32Array;
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
      console.log(
        `accuracy_level ${level}, ${nodes} MatMulNBits: max |original - reloaded| = ${Number.isNaN(diff) ? 'NaN' : diff.toExponential(2)}`,
      );
      await Promise.all([original.release(), reloaded.release()]);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
