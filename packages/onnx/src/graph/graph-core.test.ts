import { describe, expect, it } from 'vitest';
import { GraphError } from '../errors/graph-error.js';
import { onnx } from '../serialize/onnx-proto.js';
import { attr } from './attributes.js';
import { GraphBuilder } from './graph-builder.js';

function thrown(action: () => unknown): GraphError {
  try {
    action();
  } catch (error) {
    if (GraphError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a GraphError, nothing was thrown');
}

describe('GraphCore names and scopes', () => {
  it('names nodes <scope>/<op>, outputs <node>/output_<i> and initializers <scope>.<name>', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [1, 4]);
    const names = g.scope('model.layers.3', () =>
      g.scope('self_attn', () => {
        const w = g.initializer('q_proj.weight', new Float32Array(16), [4, 4]);
        const first = g.matMul(x, w);
        const second = g.matMul(first, w);
        const named = g.matMul(second, w, { name: 'o_proj', output: 'attn_out' });
        return { scope: g.currentScope, w, first, second, named };
      }),
    );
    expect(names).toEqual({
      scope: 'model.layers.3.self_attn',
      w: 'model.layers.3.self_attn.q_proj.weight',
      first: 'model.layers.3.self_attn/MatMul/output_0',
      second: 'model.layers.3.self_attn/MatMul_1/output_0',
      named: 'attn_out',
    });
    expect(g.contents().nodes.map((n) => n.name)).toEqual([
      'model.layers.3.self_attn/MatMul',
      'model.layers.3.self_attn/MatMul_1',
      'model.layers.3.self_attn/o_proj',
    ]);
    expect(g.currentScope).toBe('');
    expect(g.uniqueTensorName('tmp')).toBe('tmp');
    expect(g.uniqueTensorName('tmp')).toBe('tmp_1');
  });

  it('pops the scope when the builder function throws', () => {
    const g = new GraphBuilder();
    expect(() =>
      g.scope('a', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(g.currentScope).toBe('');
  });

  it('shares constants with equal type, dims and values', () => {
    const g = new GraphBuilder();
    expect(g.constInt64([0, -1])).toBe('const.int64.2.[0,-1]');
    expect(g.constInt64([0, -1])).toBe('const.int64.2.[0,-1]');
    expect(g.constInt64(3)).toBe('const.int64.[3]');
    expect(g.constInt32(3)).toBe('const.int32.[3]');
    expect(g.constFloat32(0.5)).toBe('const.float32.[0.5]');
    expect(g.constant(new Float32Array(20), [4, 5])).toBe('const.float32.4x5.values');
    expect(g.constant(new Float32Array(20).fill(1), [4, 5])).toBe('const.float32.4x5.values_1');
    expect(g.contents().initializers).toHaveLength(6);
  });
});

describe('GraphCore serialization', () => {
  it('writes IR 8, the opset imports, typed attributes and trims trailing empty inputs', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['batch', null, 8]);
    const [y] = g.op(
      'Custom',
      [x, null, undefined],
      { scale: attr.float(1), axes: [0, 1], alpha: 0.5, mode: 'fast', flag: true, weights: [0.5, 1], off: undefined },
      { domain: 'com.microsoft', outputs: [null, ''] },
    );
    g.valueInfo(y as string, 'float32', ['batch', 8]);
    g.output('y', 'float32', undefined, y);
    const model = onnx.ModelProto.decode(g.toBytes());
    expect(model.graph?.valueInfo?.map((v) => [v.name, v.type?.tensorType?.elemType])).toEqual([
      ['Custom/output_0', 1],
    ]);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.producerName).toBe('@pio/onnx');
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', 21],
      ['com.microsoft', 1],
    ]);
    const node = model.graph?.node?.[0];
    expect(node?.input).toEqual(['x']);
    expect(node?.output).toEqual(['Custom/output_0', '']);
    const T = onnx.AttributeProto.AttributeType;
    expect(node?.attribute?.map((a) => [a.name, a.type])).toEqual([
      ['scale', T.FLOAT],
      ['axes', T.INTS],
      ['alpha', T.FLOAT],
      ['mode', T.STRING],
      ['flag', T.INT],
      ['weights', T.FLOATS],
    ]);
    expect(node?.attribute?.[0]?.f).toBe(1);
    const dims = model.graph?.input?.[0]?.type?.tensorType?.shape?.dim;
    expect(dims?.map((d) => d.dimParam ?? (d.dimValue == null ? null : Number(d.dimValue)))).toEqual([
      'batch',
      null,
      8,
    ]);
    // Node 2 (the Identity for output y) copies Custom's output.
    expect(model.graph?.node?.[1]?.opType).toBe('Identity');
  });

  it('honours configured opsets, IR version and extra domains', () => {
    const g = new GraphBuilder({ opset: 23, msOpset: 1, irVersion: 10, opsetImports: { 'ai.onnx.ml': 3 } });
    const x = g.input('x', 'float32', [1]);
    g.output('y', 'float32', [1], g.op('Foo', [x], {}, { domain: 'example.custom' })[0]);
    const model = g.build();
    expect(Number(model.irVersion)).toBe(10);
    expect(model.opsetImport.map((o) => `${o.domain}:${o.version}`)).toEqual([
      ':23',
      'com.microsoft:1',
      'ai.onnx.ml:3',
      'example.custom:1',
    ]);
  });
});

describe('GraphCore validation', () => {
  it('names node, op and tensor of an unknown input', () => {
    const g = new GraphBuilder({ name: 'decoder' });
    const x = g.input('x', 'float32', [2]);
    g.scope('layers.0', () => g.add(x, 'missing'));
    const error = thrown(() => g.toBytes());
    expect(error.code).toBe('PIO_GRAPH_INVALID');
    expect(error.issues).toEqual([
      {
        problem: 'unknown-input',
        node: 'layers.0/Add',
        opType: 'Add',
        tensor: 'missing',
        detail: 'reads a tensor that no graph input, initializer or earlier node produces',
      },
    ]);
    expect(error.message).toContain('Invalid ONNX graph "decoder": 1 problem');
    expect(error.message).toContain('node "layers.0/Add" (Add), tensor "missing"');
  });

  it('says when an input is produced only by a later node', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2]);
    g.neg('later', { name: 'first' });
    g.identity(x, { output: 'later' });
    const [issue] = thrown(() => g.validate()).issues;
    expect(issue?.detail).toBe('reads a tensor produced later by node "Identity": add nodes in topological order');
  });

  it('reports a tensor produced twice', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2]);
    g.neg(x, { output: 'y' });
    g.sqrt(x, { output: 'y' });
    g.initializer('x', Float32Array.of(1, 2), [2]);
    g.output('y', 'float32', [2]);
    const error = thrown(() => g.build());
    expect(error.issues.map((i) => [i.problem, i.node, i.opType, i.tensor])).toEqual([
      ['duplicate-name', undefined, undefined, 'x'],
      ['duplicate-name', 'Sqrt', 'Sqrt', 'y'],
    ]);
    expect(error.issues[1]?.detail).toBe('node "Sqrt" (Sqrt) produces a tensor that node "Neg" (Neg) already produces');
  });

  it('reports a graph output nothing produces, and lists every problem at once', () => {
    const g = new GraphBuilder();
    g.input('x', 'float32', [2]);
    g.output('logits', 'float32', [2]);
    g.output('logits', 'float32', [2]);
    g.add('a', 'b');
    const error = thrown(() => g.validate());
    expect(error.issues.map((i) => `${i.problem}:${i.tensor}`)).toEqual([
      'unknown-input:a',
      'unknown-input:b',
      'missing-output:logits',
      'duplicate-name:logits',
      'missing-output:logits',
    ]);
    expect(error.message.split('\n')[0]).toBe('Invalid ONNX graph "main": 5 problems');
  });

  it('reports initializers no node reads as a warning, not an error', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2]);
    g.initializer('unused', Float32Array.of(1), [1]);
    g.output('y', 'float32', [2], g.neg(x));
    expect(g.validate().unusedInitializers).toEqual(['unused']);
  });

  it('rejects initializer data that does not match dims or element type, at once', () => {
    const g = new GraphBuilder();
    const mismatch = thrown(() => g.scope('m', () => g.initializer('w', new Float32Array(6), [2, 2])));
    expect(mismatch.issues[0]).toMatchObject({ problem: 'invalid-initializer', tensor: 'm.w' });
    expect(mismatch.issues[0]?.detail).toBe('dims [2, 2] hold 4 elements but the data has 6');
    const type = thrown(() => g.initializer('h', new Float32Array(2), [2], 'float16'));
    expect(type.issues[0]?.detail).toContain('float16 takes 2 bytes per element but the data is a Float32Array');
    expect(g.initializer('bf', new Uint16Array(2), [2], 'bfloat16')).toBe('bf');
  });

  it('rejects attributes it cannot encode and opsets below 13', () => {
    const g = new GraphBuilder();
    const error = thrown(() => g.op('Foo', [], { bad: [1, 'a'] as unknown as number[] }));
    expect(error.issues[0]).toMatchObject({ problem: 'invalid-attribute', node: 'Foo', opType: 'Foo' });
    expect(thrown(() => new GraphBuilder({ opset: 12 })).issues[0]?.problem).toBe('unsupported-opset');
    expect(
      thrown(() =>
        g.groupQueryAttention({ query: 'q', seqlensK: 's', totalSequenceLength: 't' }, { numHeads: 3, kvNumHeads: 2 }),
      ).issues[0]?.problem,
    ).toBe('invalid-argument');
  });

  it('refuses to inline more than 2 GiB of weights and points to external data', () => {
    const g = new GraphBuilder();
    // Zero-filled pages are not touched, so this costs no real memory.
    const huge = g.initializer('huge', new Uint8Array(2 ** 31), [2 ** 31]);
    g.output('y', 'uint8', [2 ** 31], huge);
    const error = thrown(() => g.toBytes());
    expect(error.issues[0]?.problem).toBe('too-large');
    expect(error.message).toContain('externalData: true');
  });
});
