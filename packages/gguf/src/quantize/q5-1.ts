import { readHalf, wholeBlocks } from './half.js';

const blockBytes = 24;

/**
 * The values a Q5_1 buffer stands for. A block of 32 weights is an fp16 scale
 * `d`, an fp16 minimum `m`, 4 bytes of fifth bits (a little-endian uint32: bit
 * j for weight j), then 16 bytes of low nibbles (weight j low, weight j + 16
 * high): `x = q·d + m` with q in 0..31.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ5_1(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q5_1', bytes, blockBytes);
  const out = new Float32Array(blocks * 32);
  for (let b = 0; b < blocks; b++) {
    const at = b * blockBytes;
    const d = readHalf(bytes, at);
    const m = readHalf(bytes, at + 2);
    const high = (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0;
    for (let j = 0; j < 16; j++) {
      const byte = bytes[at + 8 + j]!;
      const q0 = (byte & 0x0f) | (((high >>> j) & 1) << 4);
      const q1 = (byte >> 4) | (((high >>> (j + 16)) & 1) << 4);
      out[b * 32 + j] = Math.fround(Math.fround(q0 * d) + m);
      out[b * 32 + 16 + j] = Math.fround(Math.fround(q1 * d) + m);
    }
  }
  return out;
}
