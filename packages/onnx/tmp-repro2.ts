import { mkdirSync, rmSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { GraphBuilder, quantizeLinearNBits } from './src/index.ts';
const K = 576;
for (const layers of [2]) { for (const level of [0, 1, 4] as const) {
  for (const sameShape of [true, false]) {
    const g = new GraphBuilder({ name: 't' });
    let x = g.input('x', 'float32', [3, K]);
    for (let l = 0; l < layers; l++) {
      const N = sameShape ? K : l % 2 === 0 ? 2 * K : K;
      const inK = sameShape ? K : l % 2 === 0 ? K : 2 * K;
      const w = new Float32Array(N * inK).map((_, i) => Math.sin(i * 0.37 + l));
      const q = quantizeLinearNBits(w, N, inK, { bits: 4, blockSize: 64, symmetric: true });
      x = g.quantizedMatMul(x, `w${l}`, q, { accuracyLevel: level });
    }
    g.output('y', 'float32', undefined, x);
    const dir = `/tmp/exp/repro2`;
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
    let scale = 0;
    for (let i = 0; i < a.length; i++) { max = Math.max(max, Math.abs(a[i]! - b[i]!)); scale = Math.max(scale, Math.abs(a[i]!)); }
    console.log(`level ${level}: ${layers} MatMulNBits, ${sameShape ? 'same' : 'alternating'} shapes: max |diff| ${max.toExponential(2)} (max |y| ${scale.toExponential(2)})`);
  }
}
}
