import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, onnx } from '../src/index.js';
import { matmul, maxAbsDiff, randomFloats } from './helpers/reference.js';
import { f32, floats, runModel } from './helpers/session.js';

describe('saving with external data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pio-onnx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // 640 x 512 float32 = 1.25 MiB: large enough for 64 KiB alignment.
  const [K, N] = [640, 512];
  const big = randomFloats(K * N, 91, 0.05);
  const bias = randomFloats(N, 92);
  const scaleValues = randomFloats(N, 93);
  const input = randomFloats(2 * K, 94);

  function model(): GraphBuilder {
    const g = new GraphBuilder({ name: 'external' });
    const x = g.input('x', 'float32', ['batch', K]);
    const y = g.scope('layer', () => {
      const h = g.add(g.matMul(x, g.initializer('proj.weight', big, [K, N])), g.initializer('proj.bias', bias, [N]));
      return g.mul(h, g.initializer('scale', scaleValues, [N]));
    });
    g.output('y', 'float32', ['batch', N], y);
    return g;
  }
  const expected = matmul(input, big, 2, K, N).map(
    (v, i) => (v + (bias[i % N] as number)) * (scaleValues[i % N] as number),
  );

  it('writes weights to model.onnx_data at aligned offsets and loads from the path', async () => {
    const saved = await model().save(join(dir, 'a'), { externalData: true });
    expect(saved.modelPath).toBe(join(dir, 'a', 'model.onnx'));
    expect(saved.dataPath).toBe(join(dir, 'a', 'model.onnx_data'));
    expect(saved.externalTensors).toBe(3);
    expect((await stat(saved.modelPath)).size).toBeLessThan(2048);
    expect((await stat(saved.dataPath as string)).size).toBe(saved.dataBytes);

    const decoded = onnx.ModelProto.decode(await readFile(saved.modelPath));
    const entries = (decoded.graph?.initializer ?? []).map((t) => ({
      name: t.name,
      dataLocation: t.dataLocation,
      ...Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value])),
    }));
    const external = { dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, location: 'model.onnx_data' };
    expect(entries).toEqual([
      { name: 'layer.proj.weight', ...external, offset: '0', length: String(K * N * 4) },
      // Small tensors follow at 64-byte alignment (K * N * 4 already is a multiple of 64).
      { name: 'layer.proj.bias', ...external, offset: String(K * N * 4), length: String(N * 4) },
      { name: 'layer.scale', ...external, offset: String(K * N * 4 + N * 4), length: String(N * 4) },
    ]);

    const out = floats((await runModel(saved.modelPath, { x: f32(input, [2, K]) })).y);
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-4);
  });

  it('aligns large tensors to 64 KiB and keeps tensors under the threshold inline', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['batch', K]);
    const small = g.initializer('small', Float32Array.of(2), [1]);
    const medium = g.initializer('medium', bias, [N]);
    const weight = g.initializer('weight', big, [K, N]);
    g.output('y', 'float32', ['batch', N], g.mul(g.add(g.matMul(x, weight), medium), small));
    const saved = await g.save(join(dir, 'b'), {
      externalData: true,
      modelFile: 'decoder.onnx',
      dataFile: 'weights.bin',
    });
    expect(saved.dataPath).toBe(join(dir, 'b', 'weights.bin'));
    expect(saved.externalTensors).toBe(2);
    const decoded = onnx.ModelProto.decode(await readFile(saved.modelPath));
    const byName = new Map((decoded.graph?.initializer ?? []).map((t) => [t.name, t]));
    expect(byName.get('small')?.dataLocation).toBe(0);
    expect(byName.get('small')?.rawData?.length).toBe(4);
    const offset = (name: string) => Number(byName.get(name)?.externalData?.find((e) => e.key === 'offset')?.value);
    expect(offset('medium')).toBe(0);
    expect(offset('weight')).toBe(65536);
    const out = floats((await runModel(saved.modelPath, { x: f32(input, [2, K]) })).y);
    const reference = matmul(input, big, 2, K, N).map((v, i) => (v + (bias[i % N] as number)) * 2);
    expect(maxAbsDiff(out, reference)).toBeLessThan(1e-4);
  });

  it("keeps small models in one file with 'auto' and with false", async () => {
    for (const externalData of ['auto', false] as const) {
      const saved = await model().save(join(dir, `c-${externalData}`), { externalData });
      expect(saved.dataPath).toBeUndefined();
      expect(saved.externalTensors).toBe(0);
      expect(existsSync(join(dir, `c-${externalData}`, 'model.onnx_data'))).toBe(false);
      expect(saved.modelBytes).toBeGreaterThan(K * N * 4);
      const out = floats((await runModel(saved.modelPath, { x: f32(input, [2, K]) })).y);
      expect(maxAbsDiff(out, expected)).toBeLessThan(1e-4);
    }
  });
});
