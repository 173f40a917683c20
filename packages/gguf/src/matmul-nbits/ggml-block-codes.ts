import type { GgmlTypeName } from '../format/ggml-type.js';
import { readHalf } from '../quantize/half.js';
import { readKScalesMins } from '../quantize/k-scale-min.js';
import { q3KScales } from '../quantize/q3-k.js';

/**
 * How one ggml type maps onto `MatMulNBits`: the op's bits and block size,
 * whether it needs explicit zero points of 0 (`zero: 0`) or runs with its
 * default (8 for 4-bit, 128 for 8-bit), whether blocks carry minimums, and a
 * decoder that turns one ggml (super-)block into the op's codes, per-block
 * scales and minimums, so that `(code − zero) · scale − min` is ggml's value.
 */
export interface GgmlBlockCodes {
  /** Bits per MatMulNBits code. */
  bits: 4 | 8;
  /** Weights per MatMulNBits block. */
  blockSize: 16 | 32;
  /** Weights per ggml (super-)block. */
  superBlock: 32 | 256;
  /** Bytes per ggml (super-)block. */
  stride: number;
  /** `default`: the op's zero point is ggml's offset; `0`: explicit zero points of 0. */
  zero: 'default' | 0;
  /** True when each block has a minimum to subtract. */
  mins: boolean;
  /** Bits of ggml's own code (codes 0 … 2^codeBits − 1), for the types with minimums. */
  codeBits?: 2 | 4 | 5;
  /** Fills `codes` (one per weight), `scales` and `mins` (one per block) from the block at `at`. */
  decode(bytes: Uint8Array, at: number, codes: Uint8Array, scales: Float32Array, mins: Float32Array): void;
}

/** Q4_0/Q4_1 nibble order: weight j < 16 in the low nibble of byte j, weight j ≥ 16 in the high nibble of byte j − 16. */
function nibbles32(bytes: Uint8Array, at: number, codes: Uint8Array): void {
  for (let j = 0; j < 16; j++) {
    codes[j] = bytes[at + j]! & 0x0f;
    codes[j + 16] = bytes[at + j]! >> 4;
  }
}

/** Q5_0/Q5_1 codes 0..31: the nibbles plus bit j of the little-endian uint32 at `high`. */
function fiveBit32(bytes: Uint8Array, high: number, low: number, codes: Uint8Array): void {
  nibbles32(bytes, low, codes);
  for (let j = 0; j < 32; j++) codes[j]! |= ((bytes[high + (j >> 3)]! >> (j & 7)) & 1) << 4;
}

/** The {@link GgmlBlockCodes} of every type {@link ggmlToMatMulNBits} maps. */
export const ggmlBlockCodes: Partial<Record<GgmlTypeName, GgmlBlockCodes>> = {
  Q4_0: {
    bits: 4,
    blockSize: 32,
    superBlock: 32,
    stride: 18,
    zero: 'default',
    mins: false,
    decode(bytes, at, codes, scales) {
      scales[0] = readHalf(bytes, at);
      nibbles32(bytes, at + 2, codes);
    },
  },
  Q4_1: {
    bits: 4,
    blockSize: 32,
    superBlock: 32,
    stride: 20,
    zero: 0,
    mins: true,
    codeBits: 4,
    decode(bytes, at, codes, scales, mins) {
      scales[0] = readHalf(bytes, at);
      mins[0] = -readHalf(bytes, at + 2); // x = q·d + m = q·d − (−m)
      nibbles32(bytes, at + 4, codes);
    },
  },
  Q5_0: {
    bits: 8,
    blockSize: 32,
    superBlock: 32,
    stride: 22,
    zero: 'default',
    mins: false,
    decode(bytes, at, codes, scales) {
      scales[0] = readHalf(bytes, at);
      fiveBit32(bytes, at + 2, at + 6, codes);
      for (let j = 0; j < 32; j++) codes[j]! += 112; // code − 128 = q − 16
    },
  },
  Q5_1: {
    bits: 8,
    blockSize: 32,
    superBlock: 32,
    stride: 24,
    zero: 0,
    mins: true,
    codeBits: 5,
    decode(bytes, at, codes, scales, mins) {
      scales[0] = readHalf(bytes, at);
      mins[0] = -readHalf(bytes, at + 2);
      fiveBit32(bytes, at + 4, at + 8, codes);
    },
  },
  Q8_0: {
    bits: 8,
    blockSize: 32,
    superBlock: 32,
    stride: 34,
    zero: 'default',
    mins: false,
    decode(bytes, at, codes, scales) {
      scales[0] = readHalf(bytes, at);
      for (let j = 0; j < 32; j++) codes[j] = (bytes[at + 2 + j]! + 128) & 0xff;
    },
  },
  Q2_K: {
    bits: 4,
    blockSize: 16,
    superBlock: 256,
    stride: 84,
    zero: 0,
    mins: true,
    codeBits: 2,
    decode(bytes, at, codes, scales, mins) {
      const d = readHalf(bytes, at + 80);
      const dmin = readHalf(bytes, at + 82);
      for (let j = 0; j < 16; j++) {
        const sc = bytes[at + j]!;
        scales[j] = Math.fround(d * (sc & 0x0f));
        mins[j] = Math.fround(dmin * (sc >> 4));
      }
      for (let i = 0; i < 256; i++) {
        codes[i] = (bytes[at + 16 + 32 * (i >> 7) + (i & 31)]! >> (2 * ((i >> 5) & 3))) & 3;
      }
    },
  },
  Q3_K: {
    bits: 4,
    blockSize: 16,
    superBlock: 256,
    stride: 110,
    zero: 'default',
    mins: false,
    decode(bytes, at, codes, scales) {
      const d = readHalf(bytes, at + 108);
      const sc = q3KScales(bytes, at + 96);
      for (let j = 0; j < 16; j++) scales[j] = Math.fround(d * sc[j]!);
      for (let i = 0; i < 256; i++) {
        const shift = (i >> 5) & 3;
        const low = (bytes[at + 32 + 32 * (i >> 7) + (i & 31)]! >> (2 * shift)) & 3;
        const high = (bytes[at + (i & 31)]! >> (4 * (i >> 7) + shift)) & 1;
        codes[i] = low + 4 * high + 4; // code − 8 = low − (high ? 0 : 4)
      }
    },
  },
  Q4_K: {
    bits: 4,
    blockSize: 32,
    superBlock: 256,
    stride: 144,
    zero: 0,
    mins: true,
    codeBits: 4,
    decode(bytes, at, codes, scales, mins) {
      readKScalesMins(bytes, at, scales, mins);
      for (let i = 0; i < 256; i++) {
        const byte = bytes[at + 16 + 32 * (i >> 6) + (i & 31)]!;
        codes[i] = i & 32 ? byte >> 4 : byte & 0x0f;
      }
    },
  },
  Q5_K: {
    bits: 8,
    blockSize: 32,
    superBlock: 256,
    stride: 176,
    zero: 0,
    mins: true,
    codeBits: 5,
    decode(bytes, at, codes, scales, mins) {
      readKScalesMins(bytes, at, scales, mins);
      for (let i = 0; i < 256; i++) {
        const byte = bytes[at + 48 + 32 * (i >> 6) + (i & 31)]!;
        const high = (bytes[at + 16 + (i & 31)]! >> (i >> 5)) & 1;
        codes[i] = (i & 32 ? byte >> 4 : byte & 0x0f) + 16 * high;
      }
    },
  },
  Q6_K: {
    bits: 8,
    blockSize: 16,
    superBlock: 256,
    stride: 210,
    zero: 'default',
    mins: false,
    decode(bytes, at, codes, scales) {
      const d = readHalf(bytes, at + 208);
      for (let j = 0; j < 16; j++) {
        const sc = bytes[at + 192 + j]!;
        scales[j] = Math.fround(d * (sc > 127 ? sc - 256 : sc));
      }
      for (let i = 0; i < 256; i++) {
        const half = i >> 7;
        const quarter = (i >> 5) & 3;
        const l = i & 31;
        const byte = bytes[at + 64 * half + (quarter & 1 ? 32 : 0) + l]!;
        const low = quarter < 2 ? byte & 0x0f : byte >> 4;
        const high = (bytes[at + 128 + 32 * half + l]! >> (2 * quarter)) & 3;
        codes[i] = (low | (high << 4)) + 96; // code − 128 = q − 32
      }
    },
  },
};
