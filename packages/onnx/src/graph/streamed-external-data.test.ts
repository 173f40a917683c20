import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphError } from '../errors/graph-error.js';
import { quantizeMatMulNBits } from '../quantization/matmul-nbits.js';
import { ExternalDataError } from '../serialize/external-data-error.js';
import type { StreamedExternalData } from './graph-core.js';
import { GraphBuilder } from './graph-builder.js';

function randomFloats(count: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * scale;
  });
}

// 640 x 512 float32 = 1.25 MiB (64 KiB aligned), a 4-bit weight (uint8, 64-byte aligned), small tensors inline.
const [K, N] = [640, 512];
const big = randomFloats(K * N, 1, 0.05);
const quantized = quantizeMatMulNBits(randomFloats(K * N, 2, 0.05), K, N, { bits: 4, blockSize: 32 });
const branchWeight = randomFloats(N * N, 3, 0.05);
const bias = randomFloats(N, 4);

/** A graph with every way an initializer arrives: plain, tiny (inline), quantized, from inside an `If` branch, a constant. */
function model(externalData?: StreamedExternalData): GraphBuilder {
  const g = new GraphBuilder({ name: 'streamed', ...(externalData ? { externalData } : {}) });
  const x = g.input('x', 'float32', ['rows', K]);
  const h = g.scope('layer', () => {
    const a = g.matMul(x, g.initializer('proj.weight', big, [K, N]));
    const b = g.quantizedMatMul(x, 'q_proj', quantized, { accuracyLevel: 0 });
    return g.add(g.add(a, b), g.initializer('proj.bias', bias, [N]));
  });
  const rows = g.shape(x, { start: 0, end: 1 });
  const [many] = g.op('Greater', [rows, g.constInt64([1])]);
  const thenBranch = g.subgraph('many', (sub) => [
    sub.matMul(h, sub.initializer('branch.weight', branchWeight, [N, N])),
  ]);
  const elseBranch = g.subgraph('one', (sub) => [sub.mul(h, sub.constant(randomFloats(N, 5), [N]))]);
  const [y] = g.ifElse(g.squeeze(many!, [0]), thenBranch, elseBranch);
  g.output('y', 'float32', ['rows', N], g.mul(y!, g.constFloat32(0.5)));
  return g;
}

async function run(modelPath: string, rows: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
  try {
    const x = new ort.Tensor('float32', randomFloats(rows * K, 6), [rows, K]);
    return (await session.run({ x })).y!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('GraphBuilder with streamed external data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pio-onnx-stream-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the same model and side file as an in-memory save, and onnxruntime runs it', async () => {
    const files = { modelFile: 'decoder.onnx', dataFile: 'decoder.onnx_data' };
    const memory = await model().save(join(dir, 'memory'), { ...files, externalData: true });
    const g = model({ dir: join(dir, 'streamed'), dataFile: files.dataFile });
    // Written as added: the side file already holds everything before save.
    expect(g.streamedData?.tensors).toBe(memory.externalTensors);
    expect(g.streamedData?.dataBytes).toBe(memory.dataBytes);
    expect(g.contents().initializers.find((init) => init.name === 'layer.proj.weight')?.bytes.byteLength).toBe(0);
    const streamed = await g.save(join(dir, 'streamed'), { modelFile: files.modelFile, externalData: true });

    expect(streamed.externalTensors).toBe(memory.externalTensors);
    const external = g.contents().initializers.filter((init) => init.external !== undefined);
    expect(external.map((init) => init.name)).toEqual(
      expect.arrayContaining(['layer.proj.weight', 'layer.q_proj.qweight', 'layer.q_proj.scales', 'branch.weight']),
    );
    expect(streamed.dataBytes).toBe(memory.dataBytes);
    expect(streamed.modelBytes).toBe(memory.modelBytes);
    expect(Buffer.compare(await readFile(streamed.modelPath), await readFile(memory.modelPath))).toBe(0);
    expect(Buffer.compare(await readFile(streamed.dataPath!), await readFile(memory.dataPath!))).toBe(0);

    for (const rows of [1, 3]) expect(await run(streamed.modelPath, rows)).toEqual(await run(memory.modelPath, rows));
  });

  it('keeps a graph of small tensors in one file and leaves no empty side file', async () => {
    const out = join(dir, 'small');
    const g = new GraphBuilder({ externalData: { dir: out } });
    const x = g.input('x', 'float32', [4]);
    g.output('y', 'float32', [4], g.add(x, g.initializer('b', Float32Array.of(1, 2, 3, 4), [4])));
    const saved = await g.save(out);
    expect(saved.dataPath).toBeUndefined();
    expect(existsSync(join(out, 'model.onnx_data'))).toBe(false);
  });

  it('refuses another folder or data file, inline weights, toBytes, and initializers after save', async () => {
    const out = join(dir, 'errors');
    const g = model({ dir: out });
    expect(() => g.toBytes()).toThrow(GraphError);
    await expect(g.save(join(dir, 'elsewhere'))).rejects.toThrow(/is not the streamed folder/);
    await expect(g.save(out, { dataFile: 'other.bin' })).rejects.toThrow(/dataFile other.bin is not the streamed/);
    await expect(g.save(out, { externalData: false })).rejects.toThrow(GraphError);
    await g.save(out);
    const error = (() => {
      try {
        g.initializer('late', new Float32Array(1024), [1024]);
      } catch (caught) {
        return caught;
      }
    })();
    expect(ExternalDataError.isInstance(error)).toBe(true);
    expect((error as ExternalDataError).tensor).toBe('late');
  });

  it('names the file when the side file cannot be created', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    expect(() => new GraphBuilder({ externalData: { dir: join(blocker, 'sub') } })).toThrow(
      /Cannot write the external-data file .*not-a-folder/,
    );
  });
});
