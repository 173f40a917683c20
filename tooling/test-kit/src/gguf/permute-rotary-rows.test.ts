import { describe, expect, it } from 'vitest';
import { permuteRotaryRows } from './permute-rotary-rows.js';

describe('permuteRotaryRows', () => {
  it('interleaves each head’s two halves: new row 2i is old row i, new row 2i+1 is old row i + headDim/2', () => {
    // 2 heads of head_dim 4, 1 column: rows are their own indices.
    const rows = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...permuteRotaryRows(rows, 2, 4, 1)]).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
  });

  it('moves whole rows of a matrix', () => {
    const matrix = Float32Array.from([0, 0, 1, 1, 2, 2, 3, 3]); // 4 rows × 2 columns, one head
    expect([...permuteRotaryRows(matrix, 1, 4, 2)]).toEqual([0, 0, 2, 2, 1, 1, 3, 3]);
  });
});
