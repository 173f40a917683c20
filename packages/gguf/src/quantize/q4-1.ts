import { readHalf, wholeBlocks } from './half.js';

const blockBytes = 20;

/**
 * The values a Q4_1 buffer stands for. A block of 32 weights is an fp16 scale
 * `d`, an fp16 minimum `m`, then 16 bytes; byte j holds weight j in its low
 * nibble and weight j + 16 in its high nibble: `x = q·d + m`.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ4_1(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q4_1', bytes, blockBytes);
  const out = new Float32Array(blocks * 32);
  for (let b = 0; b < blocks; b++) {
    const at = b * blockBytes;
    const d = readHalf(bytes, at);
    const m = readHalf(bytes, at + 2);
    for (let j = 0; j < 16; j++) {
      const byte = bytes[at + 4 + j]!;
      out[b * 32 + j] = Math.fround(Math.fround((byte & 0x0f) * d) + m);
      out[b * 32 + 16 + j] = Math.fround(Math.fround((byte >> 4) * d) + m);
    }
  }
  return out;
}
