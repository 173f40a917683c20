import { readHalf } from './half.js';

/**
 * Sub-block `j` (0..7) scale and minimum of a Q4_K/Q5_K super-block, 6 bits
 * each, from its 12 packed bytes at `offset`: for j < 4 the low 6 bits of
 * bytes j and j + 4; for j ≥ 4 the nibbles of byte j + 4 with the top 2 bits
 * of bytes j − 4 and j as their high bits.
 */
export function kScaleMin(bytes: Uint8Array, offset: number, j: number): [scale: number, min: number] {
  if (j < 4) return [bytes[offset + j]! & 63, bytes[offset + j + 4]! & 63];
  const packed = bytes[offset + j + 4]!;
  return [(packed & 0x0f) | ((bytes[offset + j - 4]! >> 6) << 4), (packed >> 4) | ((bytes[offset + j]! >> 6) << 4)];
}

/**
 * The eight sub-block scales `d·scale` and minimums `dmin·min` (float32) of
 * the Q4_K/Q5_K super-block at `at` (fp16 `d` and `dmin`, then the 12 packed
 * bytes {@link kScaleMin} reads), into `scales[0..7]` and `mins[0..7]`: a
 * weight is `scales[j]·q − mins[j]`.
 */
export function readKScalesMins(bytes: Uint8Array, at: number, scales: Float32Array, mins: Float32Array): void {
  const d = readHalf(bytes, at);
  const dmin = readHalf(bytes, at + 2);
  for (let j = 0; j < 8; j++) {
    const [sc, m] = kScaleMin(bytes, at + 4, j);
    scales[j] = Math.fround(d * sc);
    mins[j] = Math.fround(dmin * m);
  }
}

/** Packs eight 6-bit scales and minimums into the 12 bytes {@link kScaleMin} reads. */
export function packKScaleMin(bytes: Uint8Array, offset: number, scales: ArrayLike<number>, mins: ArrayLike<number>) {
  bytes.fill(0, offset, offset + 12);
  for (let j = 0; j < 8; j++) {
    const ls = scales[j]!;
    const lm = mins[j]!;
    if (j < 4) {
      bytes[offset + j] = ls;
      bytes[offset + j + 4] = lm;
    } else {
      bytes[offset + j + 4] = (ls & 0x0f) | ((lm & 0x0f) << 4);
      bytes[offset + j - 4]! |= (ls >> 4) << 6;
      bytes[offset + j]! |= (lm >> 4) << 6;
    }
  }
}
