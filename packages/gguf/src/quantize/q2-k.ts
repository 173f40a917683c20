import { readHalf, wholeBlocks } from './half.js';

const blockBytes = 84;

/**
 * The values a Q2_K buffer stands for. A super-block of 256 weights is 16
 * bytes of sub-block scales (low nibble: scale, high nibble: minimum, one per
 * 16 weights), 64 bytes of 2-bit codes, then fp16 `d` and `dmin`. Weight
 * `128·h + 32·s + l` (h half, s shift pair 0..3, l 0..31) is bits `2s..2s+1` of
 * byte `32·h + l`; its sub-block is `(128·h + 32·s + l) / 16`:
 * `x = (d·scale)·q − dmin·min`.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ2_K(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q2_K', bytes, blockBytes);
  const out = new Float32Array(blocks * 256);
  for (let b = 0; b < blocks; b++) {
    const at = b * blockBytes;
    const d = readHalf(bytes, at + 80);
    const dmin = readHalf(bytes, at + 82);
    let y = b * 256;
    let sub = 0;
    for (let half = 0; half < 2; half++) {
      const q = at + 16 + 32 * half;
      for (let shift = 0; shift < 8; shift += 2) {
        for (let part = 0; part < 2; part++) {
          const sc = bytes[at + sub++]!;
          const dl = Math.fround(d * (sc & 0x0f));
          const ml = Math.fround(dmin * (sc >> 4));
          for (let l = 0; l < 16; l++) {
            const code = (bytes[q + 16 * part + l]! >> shift) & 3;
            out[y++] = Math.fround(Math.fround(dl * code) - ml);
          }
        }
      }
    }
  }
  return out;
}
