import { mkdirSync, rmSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { GraphBuilder, quantizeLinearNBits } from './src/index.ts';
for (const [N, K] of [[256, 512], [1536, 576], [576, 1536], [1344, 576], [3072, 576], [49152, 576]] as const) {
  for (const level of [4] as const) {
  const blockSize = 64;
    const w = new Float32Array(N * K).map((_, i) => Math.sin(i * 0.37));
    const q = quantizeLinearNBits(w, N, K, { bits: 4, blockSize, symmetric: true });
    const g = new GraphBuilder({ name: 't' });
    const x = g.input('x', 'float32', [3, K]);
    g.output('y', 'float32', [3, N], g.quantizedMatMul(x, 'w', q, { accuracyLevel: level }));
    const dir = `/tmp/exp/repro-${level}-${blockSize}`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const base = { executionProviders: ['cpu'], intraOpNumThreads: 1 };
    const bytes = g.toBytes();
    const original = await ort.InferenceSession.create(bytes, base);
    await (await ort.InferenceSession.create(bytes, {
      ...base, optimizedModelFilePath: `${dir}/m.onnx`,
      extra: { session: { save_external_prepacked_constant_initializers: '1', optimized_model_external_initializers_file_name: 'm.onnx_data', optimized_model_external_initializers_min_size_in_bytes: '16' } },
    })).release();
    const saved = await ort.InferenceSession.create(`${dir}/m.onnx`, base);
    const xs = new Float32Array(3 * K).map((_, i) => Math.cos(i * 0.11));
    const feeds = { x: new ort.Tensor('float32', xs, [3, K]) };
    const a = (await original.run(feeds)).y!.data as Float32Array;
    const b = (await saved.run(feeds)).y!.data as Float32Array;
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
    console.log(`N ${N} K ${K} accuracy_level ${level} block ${blockSize}: max |original - saved prepacked| = ${max.toExponential(2)}`);
  }
}
