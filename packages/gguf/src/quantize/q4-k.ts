import { wholeBlocks, writeHalf } from './half.js';
import { packKScaleMin, readKScalesMins } from './k-scale-min.js';

const blockBytes = 144;

/**
 * The values a Q4_K buffer stands for. A super-block of 256 weights is fp16
 * `d` and `dmin`, 12 bytes of eight packed 6-bit scales and minimums (one pair
 * per 32 weights, see {@link readKScalesMins}), then 128 bytes of 4-bit codes: weight
 * `64·c + l` (l < 32) is the low nibble of byte `32·c + l`, weight
 * `64·c + 32 + l` its high nibble: `x = (d·scale)·q − dmin·min`.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ4_K(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q4_K', bytes, blockBytes);
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
      const q = at + 16 + 32 * c;
      const y = b * 256 + 64 * c;
      for (let l = 0; l < 32; l++) {
        const byte = bytes[q + l]!;
        out[y + l] = Math.fround(Math.fround(d0 * (byte & 0x0f)) - min0);
        out[y + 32 + l] = Math.fround(Math.fround(d1 * (byte >> 4)) - min1);
      }
    }
  }
  return out;
}

/**
 * Quantizes `values` to Q4_K (layout of {@link dequantizeQ4_K}): each sub-block
 * of 32 takes scale `(max − min(0, lo)) / 15` and minimum `−min(0, lo)`; the
 * eight scales and minimums are quantized to 6 bits against the super-block's
 * fp16 `d = max scale / 63` and `dmin = max minimum / 63`; codes are
 * `clamp(round((x + dmin·m) / (d·s)), 0, 15)`. A plain min/max quantizer, not
 * ggml's search for the best scale: llama.cpp reads its bytes exactly, but they
 * differ from `llama-quantize`'s.
 *
 * @throws RangeError when the length is not a multiple of 256.
 */
export function quantizeQ4_K(values: Float32Array): Uint8Array {
  if (values.length % 256 !== 0) throw new RangeError(`Q4_K needs a multiple of 256 values, got ${values.length}`);
  const blocks = values.length / 256;
  const out = new Uint8Array(blocks * blockBytes);
  const scales = new Float64Array(8);
  const mins = new Float64Array(8);
  const ls = new Uint8Array(8);
  const lm = new Uint8Array(8);
  for (let b = 0; b < blocks; b++) {
    const base = b * 256;
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      let lo = 0;
      let hi = Number.NEGATIVE_INFINITY;
      for (let l = 0; l < 32; l++) {
        const v = values[base + 32 * j + l]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      scales[j] = Math.max(0, hi - lo) / 15;
      mins[j] = -lo;
      maxScale = Math.max(maxScale, scales[j]!);
      maxMin = Math.max(maxMin, mins[j]!);
    }
    const at = b * blockBytes;
    const d = writeHalf(out, at, maxScale / 63);
    const dmin = writeHalf(out, at + 2, maxMin / 63);
    for (let j = 0; j < 8; j++) {
      // Round the scale up so the largest code still reaches the top of the range.
      ls[j] = d > 0 ? Math.min(63, Math.ceil(scales[j]! / d - 1e-6)) : 0;
      lm[j] = dmin > 0 ? Math.min(63, Math.round(mins[j]! / dmin)) : 0;
    }
    packKScaleMin(out, at + 4, ls, lm);
    for (let c = 0; c < 4; c++) {
      for (let part = 0; part < 2; part++) {
        const j = 2 * c + part;
        const step = Math.fround(d * ls[j]!);
        const offset = Math.fround(dmin * lm[j]!);
        for (let l = 0; l < 32; l++) {
          const v = values[base + 32 * j + l]!;
          const q = step > 0 ? Math.max(0, Math.min(15, Math.round((v + offset) / step))) : 0;
          out[at + 16 + 32 * c + l]! |= part === 0 ? q : q << 4;
        }
      }
    }
  }
  return out;
}
