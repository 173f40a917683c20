import { float32ToFloat16 } from '@pio/safetensors';
import { readHalf, wholeBlocks } from './half.js';

const blockSize = 32;
const blockBytes = 2 + blockSize / 2;

/**
 * Quantizes `values` to ggml's Q4_0: blocks of 32 weights, each one fp16
 * scale `d = m / -8` (m the weight of largest magnitude, sign kept) then 16
 * bytes of 4-bit codes `q = min(15, trunc(x / d + 8.5))`; byte j holds weight
 * j in its low nibble and weight j + 16 in its high nibble. Follows the
 * arithmetic of ggml's reference quantizer, so the bytes equal llama.cpp's.
 *
 * Allocates the output: 18 bytes per 32 weights.
 *
 * @throws RangeError when the length is not a multiple of 32.
 */
export function quantizeQ4_0(values: Float32Array): Uint8Array {
  if (values.length % blockSize !== 0)
    throw new RangeError(`Q4_0 needs a multiple of ${blockSize} values, got ${values.length}`);
  const blocks = values.length / blockSize;
  const out = new Uint8Array(blocks * blockBytes);
  const view = new DataView(out.buffer);
  const scale = new Float32Array(1);
  const scaleHalf = new Uint16Array(1);
  const half = blockSize / 2;
  for (let b = 0; b < blocks; b++) {
    const base = b * blockSize;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < blockSize; j++) {
      const v = values[base + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d ? Math.fround(1 / d) : 0;
    scale[0] = d;
    view.setUint16(b * blockBytes, float32ToFloat16(scale, scaleHalf)[0]!, true);
    for (let j = 0; j < half; j++) {
      const low = Math.min(15, Math.trunc(Math.fround(Math.fround(values[base + j]! * id) + 8.5)));
      const high = Math.min(15, Math.trunc(Math.fround(Math.fround(values[base + half + j]! * id) + 8.5)));
      out[b * blockBytes + 2 + j] = low | (high << 4);
    }
  }
  return out;
}

/**
 * The values a Q4_0 buffer stands for: `d * (q - 8)` per weight (byte j of a
 * block: weight j in the low nibble, weight j + 16 in the high one).
 * Allocates `4 × 32` bytes per block.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ4_0(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q4_0', bytes, blockBytes);
  const out = new Float32Array(blocks * blockSize);
  const half = blockSize / 2;
  for (let b = 0; b < blocks; b++) {
    const d = readHalf(bytes, b * blockBytes);
    for (let j = 0; j < half; j++) {
      const byte = bytes[b * blockBytes + 2 + j]!;
      out[b * blockSize + j] = d * ((byte & 0x0f) - 8);
      out[b * blockSize + half + j] = d * ((byte >> 4) - 8);
    }
  }
  return out;
}
