import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphError } from '../errors/graph-error.js';
import { GraphBuilder } from './graph-builder.js';

describe('GraphBuilder.subgraph + ifElse', () => {
  it('runs the branch the condition picks; branches read outer tensors and outer constants by name', async () => {
    const g = new GraphBuilder({ name: 'if' });
    const x = g.input('x', 'float32', ['n']);
    const doubled = g.mul(x, g.constFloat32(2));
    const count = g.shape(x, { start: 0, end: 1 });
    const [many] = g.op('Greater', [count, g.constInt64([1])]);
    const thenBranch = g.subgraph('many', (sub) => [sub.add(doubled, sub.constFloat32(100))]);
    const elseBranch = g.subgraph('one', () => [doubled]);
    const [y] = g.ifElse(g.squeeze(many!, [0]), thenBranch, elseBranch);
    g.output('y', 'float32', ['n'], y!);
    const session = await ort.InferenceSession.create(g.toBytes());
    const run = async (values: number[]) => [
      ...((await session.run({ x: new ort.Tensor('float32', Float32Array.from(values), [values.length]) })).y!
        .data as Float32Array),
    ];
    expect(await run([1, 2])).toEqual([102, 104]);
    expect(await run([3])).toEqual([6]);
  });

  it('refuses a subgraph that reads a tensor nobody produced', () => {
    const g = new GraphBuilder({ name: 'bad' });
    g.input('x', 'float32', [1]);
    expect(() => g.subgraph('branch', (sub) => [sub.neg('nowhere')])).toThrow(GraphError);
  });
});
