import { Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/index.js';
import { matmul, maxAbsDiff, randomFloats } from './helpers/reference.js';
import { f32, floats, i64, runModel } from './helpers/session.js';

describe('default-domain ops in onnxruntime', () => {
  it('MatMul + Add equals the TS product plus bias', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['batch', 3]);
    const w = randomFloats(12, 1);
    const bias = randomFloats(4, 2);
    const y = g.add(g.matMul(x, g.initializer('w', w, [3, 4])), g.initializer('b', bias, [4]));
    g.output('y', 'float32', ['batch', 4], y);
    const input = randomFloats(6, 3);
    const out = floats((await runModel(g.toBytes(), { x: f32(input, [2, 3]) })).y);
    const expected = matmul(input, w, 2, 3, 4).map((v, i) => v + (bias[i % 4] as number));
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-6);
  });

  it('Gather picks embedding rows by int64 ids', async () => {
    const g = new GraphBuilder();
    const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
    const table = randomFloats(5 * 3, 4);
    g.output(
      'embeds',
      'float32',
      ['batch', 'seq', 3],
      g.gather(g.initializer('embed_tokens.weight', table, [5, 3]), ids),
    );
    const out = floats((await runModel(g.toBytes(), { input_ids: i64([4, 0, 2], [1, 3]) })).embeds);
    expect(Array.from(out)).toEqual([...table.slice(12, 15), ...table.slice(0, 3), ...table.slice(6, 9)]);
  });

  for (const opset of [17, 21]) {
    it(`shape, reduction and elementwise helpers compute what ONNX says (opset ${opset})`, async () => {
      const g = new GraphBuilder({ opset });
      const x = g.input('x', 'float32', [2, 3]);
      const out = (name: string, tensor: string) => g.output(name, 'float32', undefined, tensor);

      out('mean', g.reduceMean(x, [-1]));
      out('sum', g.reduceSum(x, [0], false));
      out('softmax', g.softmax(x));
      out('transposed', g.transpose(x, [1, 0]));
      out('reshaped', g.reshape(x, [3, -1]));
      out('joined', g.concat([x, x], 0));
      out('sliced', g.slice(x, { starts: [1], ends: [3], axes: [1] }));
      const [left, right] = g.split(x, { axis: 1, sizes: [1, 2] });
      out('left', left as string);
      out('right', right as string);
      const halves = g.split(g.concat([x, x], 1), { axis: 1, numOutputs: 2 });
      out('half', halves[1] as string);
      out('squeezed', g.squeeze(g.unsqueeze(x, [0]), [0]));
      out('expanded', g.expand(g.slice(x, { starts: [0], ends: [1] }), [2, 3]));
      out('shape', g.cast(g.shape(x), 'float32'));
      out('range', g.cast(g.range(0, 6, 2), 'float32'));
      out('zeros', g.constantOfShape([2, 2], 0.25));
      out('upper', g.trilu(x));
      out('lower', g.trilu(x, { upper: false, k: 0 }));
      const positive = g.equal(g.cast(g.cast(x, 'bool'), 'float32'), g.constFloat32(1));
      out('where', g.where(positive, x, g.neg(x)));
      const squared = g.pow(x, g.constFloat32(2));
      out('magnitude', g.sqrt(squared));
      out('inverse', g.reciprocal(g.add(squared, g.constFloat32(1))));
      out('sigmoid', g.sigmoid(x));
      out('tanh', g.tanh(g.identity(x)));
      out('gemm', g.gemm(x, x, undefined, { transB: true, alpha: 2 }));
      out('quotient', g.div(g.sub(x, g.constFloat32(1)), g.mul(x, g.constFloat32(2))));

      const data = [1, -2, 3, 0.5, 4, -1];
      const r = await runModel(g.toBytes(), { x: f32(data, [2, 3]) });
      const get = (name: string) => Array.from(floats(r[name]));
      const close = (name: string, expected: number[]) => expect(maxAbsDiff(get(name), expected)).toBeLessThan(1e-6);

      close('mean', [2 / 3, 3.5 / 3]);
      close('sum', [1.5, 2, 2]);
      const row = (a: number[]) => {
        const e = a.map(Math.exp);
        const s = e.reduce((p, q) => p + q, 0);
        return e.map((v) => v / s);
      };
      close('softmax', [...row([1, -2, 3]), ...row([0.5, 4, -1])]);
      close('transposed', [1, 0.5, -2, 4, 3, -1]);
      expect(r.reshaped?.dims).toEqual([3, 2]);
      close('joined', [...data, ...data]);
      close('sliced', [-2, 3, 4, -1]);
      close('left', [1, 0.5]);
      close('right', [-2, 3, 4, -1]);
      close('half', data);
      close('squeezed', data);
      close('expanded', [1, -2, 3, 1, -2, 3]);
      close('shape', [2, 3]);
      close('range', [0, 2, 4]);
      close('zeros', [0.25, 0.25, 0.25, 0.25]);
      close('upper', [1, -2, 3, 0, 4, -1]);
      close('lower', [1, 0, 0, 0.5, 4, 0]);
      close(
        'where',
        data.map((v) => (v !== 0 ? v : -v)),
      );
      close('magnitude', data.map(Math.abs));
      close(
        'inverse',
        data.map((v) => 1 / (v * v + 1)),
      );
      close(
        'sigmoid',
        data.map((v) => 1 / (1 + Math.exp(-v))),
      );
      close('tanh', data.map(Math.tanh));
      close('gemm', [2 * (1 + 4 + 9), 2 * (0.5 - 8 - 3), 2 * (0.5 - 8 - 3), 2 * (0.25 + 16 + 1)]);
      close(
        'quotient',
        data.map((v) => (v - 1) / (2 * v)),
      );
    });
  }

  it('runs float16 initializers (Uint16Array bits) through Cast', async () => {
    const g = new GraphBuilder();
    // 1.0, -2.0, 0.5 in IEEE half precision.
    const half = g.initializer('h', Uint16Array.of(0x3c00, 0xc000, 0x3800), [3]);
    g.output('y', 'float32', [3], g.cast(half, 'float32'));
    const r = await runModel(g.toBytes(), {});
    expect(Array.from(floats(r.y))).toEqual([1, -2, 0.5]);
  });

  it('feeds int64 Tensors into Range with a symbolic limit', async () => {
    const g = new GraphBuilder();
    const n = g.input('n', 'int64', []);
    g.output('r', 'int64', ['n'], g.range(0, n));
    const r = await runModel(g.toBytes(), { n: new Tensor('int64', BigInt64Array.of(4n), []) });
    expect(Array.from(r.r?.data as BigInt64Array)).toEqual([0n, 1n, 2n, 3n]);
  });
});
