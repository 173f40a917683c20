import { wholeBlocks } from './half.js';
import { readKScalesMins } from './k-scale-min.js';

const blockBytes = 176;

/**
 * The values a Q5_K buffer stands for. Like Q4_K (fp16 `d`, `dmin`, 12 bytes
 * of 6-bit scales and minimums, see {@link readKScalesMins}) with 32 bytes of fifth
 * bits before the 128 bytes of low nibbles: weight `64·c + l` (l < 32) takes
 * the low nibble of byte `32·c + l` and bit `2c` of `qh[l]`, weight
 * `64·c + 32 + l` the high nibble and bit `2c + 1`:
 * `x = (d·scale)·q − dmin·min` with q in 0..31.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ5_K(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q5_K', bytes, blockBytes);
  const out = new Float32Array(blocks * 256);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  for (let b = 0; b < blocks; b++) {
    const at = b * blockBytes;
    readKScalesMins(bytes, at, scales, mins);
    for (let c = 0; c < 4; c++) {
      const d0 = scales[2 * c]!;
      const min0 = mins[2 * c]!;
      const d1 = scales[2 * c + 1]!;
      const min1 = mins[2 * c + 1]!;
      const q = at + 48 + 32 * c;
      const y = b * 256 + 64 * c;
      for (let l = 0; l < 32; l++) {
        const byte = bytes[q + l]!;
        const high = bytes[at + 16 + l]!;
        const q0 = (byte & 0x0f) + ((high >> (2 * c)) & 1 ? 16 : 0);
        const q1 = (byte >> 4) + ((high >> (2 * c + 1)) & 1 ? 16 : 0);
        out[y + l] = Math.fround(Math.fround(d0 * q0) - min0);
        out[y + 32 + l] = Math.fround(Math.fround(d1 * q1) - min1);
      }
    }
  }
  return out;
}
