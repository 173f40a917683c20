/**
 * Reorders the rows of a q or k projection from Hugging Face's rotate-half
 * layout (each head's first half of rows, then its second half) to the
 * interleaved pairs llama.cpp's `llama` architecture rotates (row 2i is
 * the old row i, row 2i+1 the old row i + headDim/2), as llama.cpp's
 * convert_hf_to_gguf.py does for Llama checkpoints. Works on weights
 * `[heads × headDim, columns]` and biases (`columns` 1).
 *
 * Allocates one output of the input's size.
 */
export function permuteRotaryRows(values: Float32Array, heads: number, headDim: number, columns: number): Float32Array {
  const out = new Float32Array(values.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let part = 0; part < 2; part++) {
        const from = (h * headDim + part * half + i) * columns;
        const to = (h * headDim + 2 * i + part) * columns;
        out.set(values.subarray(from, from + columns), to);
      }
    }
  }
  return out;
}
