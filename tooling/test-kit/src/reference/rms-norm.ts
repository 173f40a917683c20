/**
 * RMSNorm of `count` rows of width `weight.length`, in place:
 * `x * rsqrt(mean(x^2) + eps) * weight`, accumulated in float64 (transformers
 * upcasts to float32; float64 keeps the reference the more exact of the two).
 *
 * @param data - Rows laid out one after another, starting at `offset`.
 * @param offset - Index of the first row's first value.
 * @param count - Number of rows.
 * @param weight - One scale per column.
 * @param eps - Added to the mean square before the square root.
 */
export function rmsNormRows(
  data: Float32Array,
  offset: number,
  count: number,
  weight: Float32Array,
  eps: number,
): void {
  const width = weight.length;
  for (let row = 0; row < count; row++) {
    const start = offset + row * width;
    let sumOfSquares = 0;
    for (let i = 0; i < width; i++) {
      const value = data[start + i]!;
      sumOfSquares += value * value;
    }
    const scale = 1 / Math.sqrt(sumOfSquares / width + eps);
    for (let i = 0; i < width; i++) data[start + i] = data[start + i]! * scale * weight[i]!;
  }
}
