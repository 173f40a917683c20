/**
 * `output = input · weightᵀ + bias` for `rows` rows, as `nn.Linear` with a
 * weight of shape `[outFeatures, inFeatures]`; dot products accumulate in float64.
 *
 * @param input - `[rows, inFeatures]`.
 * @param rows - Number of input rows.
 * @param weight - `[outFeatures, inFeatures]`.
 * @param bias - `[outFeatures]`, or `undefined` for none.
 * @param outFeatures - Output width.
 * @returns `[rows, outFeatures]`.
 */
export function linear(
  input: Float32Array,
  rows: number,
  weight: Float32Array,
  bias: Float32Array | undefined,
  outFeatures: number,
): Float32Array {
  const inFeatures = weight.length / outFeatures;
  const output = new Float32Array(rows * outFeatures);
  for (let row = 0; row < rows; row++) {
    const inputStart = row * inFeatures;
    for (let out = 0; out < outFeatures; out++) {
      const weightStart = out * inFeatures;
      let sum = bias === undefined ? 0 : bias[out]!;
      for (let i = 0; i < inFeatures; i++) sum += input[inputStart + i]! * weight[weightStart + i]!;
      output[row * outFeatures + out] = sum;
    }
  }
  return output;
}
