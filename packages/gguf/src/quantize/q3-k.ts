import { readHalf, wholeBlocks } from './half.js';

const blockBytes = 110;

/**
 * The 16 signed 6-bit sub-block scales of a Q3_K super-block, from its 12
 * packed bytes: scale j's low 4 bits are the low (j < 8) or high (j ≥ 8)
 * nibble of byte `j % 8`, its high 2 bits are bits `2·(j / 4)..` of byte
 * `8 + j % 4`; stored with an offset of 32.
 */
export function q3KScales(bytes: Uint8Array, offset: number): Int8Array {
  const scales = new Int8Array(16);
  for (let j = 0; j < 16; j++) {
    const low = j < 8 ? bytes[offset + j]! & 0x0f : bytes[offset + j - 8]! >> 4;
    const high = (bytes[offset + 8 + (j % 4)]! >> (2 * Math.floor(j / 4))) & 3;
    scales[j] = (low | (high << 4)) - 32;
  }
  return scales;
}

/**
 * The values a Q3_K buffer stands for. A super-block of 256 weights is 32
 * bytes of high bits (`hmask`), 64 bytes of 2-bit low codes, 12 bytes of
 * packed 6-bit scales (one per 16 weights, see {@link q3KScales}) and an fp16
 * `d`. Weight `128·h + 32·s + l` takes bits `2s..2s+1` of byte `32·h + l` and
 * bit `4h + s` of `hmask[l]`; a clear high bit subtracts 4:
 * `x = (d·scale)·(q − (high ? 0 : 4))`.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ3_K(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q3_K', bytes, blockBytes);
  const out = new Float32Array(blocks * 256);
  for (let b = 0; b < blocks; b++) {
    const at = b * blockBytes;
    const d = readHalf(bytes, at + 108);
    const scales = q3KScales(bytes, at + 96);
    let y = b * 256;
    let sub = 0;
    let mask = 1;
    for (let half = 0; half < 2; half++) {
      const q = at + 32 + 32 * half;
      for (let shift = 0; shift < 8; shift += 2) {
        for (let part = 0; part < 2; part++) {
          const dl = Math.fround(d * scales[sub++]!);
          for (let l = 0; l < 16; l++) {
            const low = (bytes[q + 16 * part + l]! >> shift) & 3;
            const high = bytes[at + 16 * part + l]! & mask ? 0 : 4;
            out[y++] = Math.fround(dl * (low - high));
          }
        }
        mask <<= 1;
      }
    }
  }
  return out;
}
