import { readHalf, wholeBlocks, writeHalf } from './half.js';

const blockBytes = 210;

/**
 * The values a Q6_K buffer stands for. A super-block of 256 weights is 128
 * bytes of low nibbles (`ql`), 64 bytes of high 2-bit pairs (`qh`), 16 signed
 * 8-bit scales (one per 16 weights) and an fp16 `d`. In half h (128 weights),
 * for l < 32: weights `l`, `l + 32`, `l + 64`, `l + 96` take the low nibble of
 * `ql[64h + l]`, the low nibble of `ql[64h + 32 + l]`, the high nibble of
 * `ql[64h + l]`, the high nibble of `ql[64h + 32 + l]`, and bit pairs 0, 1, 2,
 * 3 of `qh[32h + l]`: `x = (d·scale)·(q − 32)`.
 *
 * @throws RangeError when the bytes are not whole blocks.
 */
export function dequantizeQ6_K(bytes: Uint8Array): Float32Array {
  const blocks = wholeBlocks('Q6_K', bytes, blockBytes);
  const out = new Float32Array(blocks * 256);
  for (let b = 0; b < blocks; b++) {
    const at = b * blockBytes;
    const d = readHalf(bytes, at + 208);
    for (let half = 0; half < 2; half++) {
      const ql = at + 64 * half;
      const qh = at + 128 + 32 * half;
      const sc = at + 192 + 8 * half;
      const y = b * 256 + 128 * half;
      for (let l = 0; l < 32; l++) {
        const sub = l >> 4;
        const high = bytes[qh + l]!;
        const a = bytes[ql + l]!;
        const c = bytes[ql + 32 + l]!;
        const q1 = ((a & 0x0f) | ((high & 3) << 4)) - 32;
        const q2 = ((c & 0x0f) | (((high >> 2) & 3) << 4)) - 32;
        const q3 = ((a >> 4) | (((high >> 4) & 3) << 4)) - 32;
        const q4 = ((c >> 4) | (((high >> 6) & 3) << 4)) - 32;
        out[y + l] = Math.fround(Math.fround(d * signed(bytes[sc + sub]!)) * q1);
        out[y + 32 + l] = Math.fround(Math.fround(d * signed(bytes[sc + sub + 2]!)) * q2);
        out[y + 64 + l] = Math.fround(Math.fround(d * signed(bytes[sc + sub + 4]!)) * q3);
        out[y + 96 + l] = Math.fround(Math.fround(d * signed(bytes[sc + sub + 6]!)) * q4);
      }
    }
  }
  return out;
}

function signed(byte: number): number {
  return byte > 127 ? byte - 256 : byte;
}

/**
 * Quantizes `values` to Q6_K (layout of {@link dequantizeQ6_K}): each
 * sub-block of 16 takes the scale `m / −32` (m its weight of largest
 * magnitude, sign kept), the scales are quantized to int8 against the
 * super-block's fp16 `d = s / −128` (s the scale of largest magnitude), and
 * codes are `clamp(round(x / (d·scale)), −32, 31) + 32`. The same first
 * guess as ggml's reference quantizer without its search for a better scale:
 * llama.cpp reads the bytes exactly, but they may differ from
 * `llama-quantize`'s.
 *
 * @throws RangeError when the length is not a multiple of 256.
 */
export function quantizeQ6_K(values: Float32Array): Uint8Array {
  if (values.length % 256 !== 0) throw new RangeError(`Q6_K needs a multiple of 256 values, got ${values.length}`);
  const blocks = values.length / 256;
  const out = new Uint8Array(blocks * blockBytes);
  const scales = new Float64Array(16);
  const codes = new Uint8Array(256);
  for (let b = 0; b < blocks; b++) {
    const base = b * 256;
    const at = b * blockBytes;
    let maxScale = 0;
    for (let s = 0; s < 16; s++) {
      let max = 0;
      for (let l = 0; l < 16; l++) {
        const v = values[base + 16 * s + l]!;
        if (Math.abs(v) > Math.abs(max)) max = v;
      }
      scales[s] = max / -32;
      if (Math.abs(scales[s]!) > Math.abs(maxScale)) maxScale = scales[s]!;
    }
    if (maxScale === 0) {
      codes.fill(32);
    } else {
      const iscale = -128 / maxScale;
      const d = writeHalf(out, at + 208, 1 / iscale);
      for (let s = 0; s < 16; s++) {
        const sc = Math.max(-128, Math.min(127, Math.round(iscale * scales[s]!)));
        out[at + 192 + s] = sc & 0xff;
        const step = Math.fround(d * sc);
        for (let l = 0; l < 16; l++) {
          const v = values[base + 16 * s + l]!;
          codes[16 * s + l] = step !== 0 ? Math.max(-32, Math.min(31, Math.round(v / step))) + 32 : 32;
        }
      }
    }
    for (let half = 0; half < 2; half++) {
      const L = 128 * half;
      for (let l = 0; l < 32; l++) {
        const c1 = codes[L + l]!;
        const c2 = codes[L + l + 32]!;
        const c3 = codes[L + l + 64]!;
        const c4 = codes[L + l + 96]!;
        out[at + 64 * half + l] = (c1 & 0x0f) | ((c3 & 0x0f) << 4);
        out[at + 64 * half + 32 + l] = (c2 & 0x0f) | ((c4 & 0x0f) << 4);
        out[at + 128 + 32 * half + l] = (c1 >> 4) | ((c2 >> 4) << 2) | ((c3 >> 4) << 4) | ((c4 >> 4) << 6);
      }
    }
  }
  return out;
}
