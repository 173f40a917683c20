import { readHalf, wholeBlocks } from './half.js';

const blockBytes = 22;

/**
 * The values a Q5_0 buffer stands for. A block of 32 weights is an fp16 scale
 * `d`, 4 bytes of fifth bits (a little-endian uint32: bit j for weight j), then
 * 16 bytes of low nibbles (weight j low, weight j + 16 high):
 * `x = d·(q − 16)` with q in 0..31.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ5_0(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q5_0', bytes, blockBytes);
  const out = new Float32Array(blocks * 32);
  for (let b = 0; b < blocks; b++) {
    const at = b * blockBytes;
    const d = readHalf(bytes, at);
    const high = (bytes[at + 2]! | (bytes[at + 3]! << 8) | (bytes[at + 4]! << 16) | (bytes[at + 5]! << 24)) >>> 0;
    for (let j = 0; j < 16; j++) {
      const byte = bytes[at + 6 + j]!;
      const q0 = (byte & 0x0f) | (((high >>> j) & 1) << 4);
      const q1 = (byte >> 4) | (((high >>> (j + 16)) & 1) << 4);
      out[b * 32 + j] = Math.fround((q0 - 16) * d);
      out[b * 32 + 16 + j] = Math.fround((q1 - 16) * d);
    }
  }
  return out;
}
