import { float32ToFloat16 } from '@pio/safetensors';
import { readHalf, wholeBlocks } from './half.js';
import { roundHalfAway } from './round-half-away.js';

const blockSize = 32;
const blockBytes = 2 + blockSize;

/**
 * Quantizes `values` to ggml's Q8_0: blocks of 32 weights, each one fp16
 * scale `d = max|x| / 127` then 32 signed bytes `round(x / d)`. Follows the
 * arithmetic of ggml's reference quantizer (float32 products, `roundf`), so
 * the bytes equal llama.cpp's for the same input.
 *
 * Allocates the output: 34 bytes per 32 weights.
 *
 * @throws RangeError when the length is not a multiple of 32.
 */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % blockSize !== 0)
    throw new RangeError(`Q8_0 needs a multiple of ${blockSize} values, got ${values.length}`);
  const blocks = values.length / blockSize;
  const out = new Uint8Array(blocks * blockBytes);
  const view = new DataView(out.buffer);
  const scale = new Float32Array(1);
  const scaleHalf = new Uint16Array(1);
  for (let b = 0; b < blocks; b++) {
    const base = b * blockSize;
    let amax = 0;
    for (let j = 0; j < blockSize; j++) amax = Math.max(amax, Math.abs(values[base + j]!));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    scale[0] = d;
    view.setUint16(b * blockBytes, float32ToFloat16(scale, scaleHalf)[0]!, true);
    for (let j = 0; j < blockSize; j++) {
      view.setInt8(b * blockBytes + 2 + j, roundHalfAway(Math.fround(values[base + j]! * id)));
    }
  }
  return out;
}

/**
 * The values a Q8_0 buffer stands for: `d * q` per weight. Allocates `4 × 32`
 * bytes per block.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ8_0(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q8_0', bytes, blockBytes);
  const out = new Float32Array(blocks * blockSize);
  for (let b = 0; b < blocks; b++) {
    const d = readHalf(bytes, b * blockBytes);
    for (let j = 0; j < blockSize; j++) {
      const q = bytes[b * blockBytes + 2 + j]!;
      out[b * blockSize + j] = d * (q > 127 ? q - 256 : q);
    }
  }
  return out;
}
