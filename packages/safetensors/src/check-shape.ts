import { TensorShapeError } from './errors/tensor-shape-error.js';

/**
 * Throws when `found` is not exactly `expected`.
 *
 * @throws TensorShapeError naming `file`, `tensor` and both shapes.
 */
export function checkShape(file: string, tensor: string, found: readonly number[], expected: readonly number[]): void {
  if (found.length === expected.length && found.every((dim, i) => dim === expected[i])) return;
  throw new TensorShapeError({ file, tensor, found: [...found], expected: [...expected] });
}
