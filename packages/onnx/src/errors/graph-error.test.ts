import { PioError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { GraphError } from './graph-error.js';

describe('GraphError', () => {
  it('names node, op and tensor of every issue, counted', () => {
    const error = new GraphError({
      graphName: 'main',
      issues: [
        { problem: 'unknown-input', node: 'layers.0/MatMul', opType: 'MatMul', tensor: 'x', detail: 'never produced' },
        { problem: 'missing-output', tensor: 'logits', detail: 'no node produces it' },
      ],
    });
    expect(error.code).toBe('PIO_GRAPH_INVALID');
    expect(error.message.split('\n').slice(0, 3)).toEqual([
      'Invalid ONNX graph "main": 2 problems',
      '  - node "layers.0/MatMul" (MatMul), tensor "x": never produced',
      '  - tensor "logits": no node produces it',
    ]);
    expect(error.issues).toHaveLength(2);
    expect(error.graphName).toBe('main');
  });

  it('is recognized by GraphError.isInstance and PioError.isInstance, also from another copy', () => {
    const error = new GraphError({ graphName: 'g', issues: [{ problem: 'too-large', detail: 'big' }] });
    expect(GraphError.isInstance(error)).toBe(true);
    expect(PioError.isInstance(error)).toBe(true);
    const foreign = Object.assign(new Error('copy'), {
      [Symbol.for('pio.error')]: true,
      [Symbol.for('pio.error.GraphError')]: true,
    });
    expect(GraphError.isInstance(foreign)).toBe(true);
    expect(GraphError.isInstance(new PioError({ code: 'PIO_GRAPH_INVALID', message: 'same code' }))).toBe(false);
  });
});
