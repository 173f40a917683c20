import { describe, expect, it } from 'vitest';
import { dequantizeGgml } from './dequantize-ggml.js';
import { halfToFloat } from './half.js';

// Hand-made blocks: random code bytes, chosen fp16 scales, and the expected
// value of every weight computed here element by element from the formulas of
// ggml's dequantize_row_* (ggml/src/ggml-quants.c), indexed the other way
// round (from the weight to its bits) than the implementation (from the bits
// to the weights).

function random(length: number, seed: number): Uint8Array {
  let state = seed >>> 0;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

const f = Math.fround;
const half = (bytes: Uint8Array, at: number) => halfToFloat(bytes[at]! | (bytes[at + 1]! << 8));
const setHalf = (bytes: Uint8Array, at: number, bits: number) => {
  bytes[at] = bits & 0xff;
  bytes[at + 1] = bits >> 8;
};
const int8 = (v: number) => (v > 127 ? v - 256 : v);
const bit = (bytes: Uint8Array, at: number, index: number) => (bytes[at + (index >> 3)]! >> (index & 7)) & 1;

/** The 6-bit (scale, min) pair j of a Q4_K/Q5_K block, spelled out per ggml's get_scale_min_k4. */
function scaleMinK4(s: Uint8Array, j: number): [number, number] {
  if (j < 4) return [s[j]! & 63, s[j + 4]! & 63];
  return [(s[j + 4]! & 0xf) | ((s[j - 4]! >> 6) << 4), (s[j + 4]! >> 4) | ((s[j]! >> 6) << 4)];
}

describe('dequantizeGgml follows ggml on hand-made blocks', () => {
  it('Q4_0: d·(q − 8), weight j low nibble of byte j, weight j + 16 its high nibble', () => {
    const bytes = random(18 * 2, 1);
    setHalf(bytes, 0, 0x3800); // 0.5
    setHalf(bytes, 18, 0xbc00); // -1
    const out = dequantizeGgml('Q4_0', bytes);
    for (let i = 0; i < 64; i++) {
      const b = i >> 5;
      const j = i & 31;
      const byte = bytes[18 * b + 2 + (j & 15)]!;
      const q = j < 16 ? byte & 15 : byte >> 4;
      expect(out[i]).toBe(f(half(bytes, 18 * b) * (q - 8)));
    }
    expect(out[0]).toBe(0.5 * ((bytes[2]! & 15) - 8));
  });

  it('Q8_0: d·q with q a signed byte', () => {
    const bytes = random(34, 2);
    setHalf(bytes, 0, 0x3c00);
    const out = dequantizeGgml('Q8_0', bytes);
    for (let j = 0; j < 32; j++) expect(out[j]).toBe(int8(bytes[2 + j]!));
  });

  it('Q4_1: q·d + m', () => {
    const bytes = random(20, 3);
    setHalf(bytes, 0, 0x3400); // 0.25
    setHalf(bytes, 2, 0xc000); // -2
    const out = dequantizeGgml('Q4_1', bytes);
    for (let j = 0; j < 32; j++) {
      const byte = bytes[4 + (j & 15)]!;
      const q = j < 16 ? byte & 15 : byte >> 4;
      expect(out[j]).toBe(q * 0.25 - 2);
    }
  });

  it('Q5_0: d·(q − 16), fifth bit j of the little-endian qh word', () => {
    const bytes = random(22, 4);
    setHalf(bytes, 0, 0x3800);
    const out = dequantizeGgml('Q5_0', bytes);
    for (let j = 0; j < 32; j++) {
      const byte = bytes[6 + (j & 15)]!;
      const q = (j < 16 ? byte & 15 : byte >> 4) | (bit(bytes, 2, j) << 4);
      expect(out[j]).toBe(0.5 * (q - 16));
    }
  });

  it('Q5_1: q·d + m with a fifth bit', () => {
    const bytes = random(24, 5);
    setHalf(bytes, 0, 0x3800);
    setHalf(bytes, 2, 0x3c00);
    const out = dequantizeGgml('Q5_1', bytes);
    for (let j = 0; j < 32; j++) {
      const byte = bytes[8 + (j & 15)]!;
      const q = (j < 16 ? byte & 15 : byte >> 4) | (bit(bytes, 4, j) << 4);
      expect(out[j]).toBe(q * 0.5 + 1);
    }
  });

  it('Q2_K: (d·sc)·q − dmin·m per 16 weights, 2-bit codes in 4 shifts of 32 bytes per half', () => {
    const bytes = random(84, 6);
    setHalf(bytes, 80, 0x3800);
    setHalf(bytes, 82, 0x3400);
    const out = dequantizeGgml('Q2_K', bytes);
    for (let i = 0; i < 256; i++) {
      const h = i >> 7; // which 128
      const shift = (i >> 5) & 3; // which bit pair
      const l = i & 31;
      const q = (bytes[16 + 32 * h + l]! >> (2 * shift)) & 3;
      const sc = bytes[i >> 4]!;
      expect(out[i]).toBe(f(f(0.5 * (sc & 15)) * q - f(0.25 * (sc >> 4))));
    }
  });

  it('Q3_K: (d·(sc − 32))·(q − 4·!hbit), 6-bit scales packed in 12 bytes, hmask bit 4h + shift', () => {
    const bytes = random(110, 7);
    setHalf(bytes, 108, 0x3400);
    const out = dequantizeGgml('Q3_K', bytes);
    const s = bytes.subarray(96, 108);
    for (let i = 0; i < 256; i++) {
      const h = i >> 7;
      const shift = (i >> 5) & 3;
      const l = i & 31;
      const low = (bytes[32 + 32 * h + l]! >> (2 * shift)) & 3;
      const hbit = (bytes[l]! >> (4 * h + shift)) & 1;
      const j = i >> 4;
      const sc6 = (j < 8 ? s[j]! & 15 : s[j - 8]! >> 4) | (((s[8 + (j % 4)]! >> (2 * Math.floor(j / 4))) & 3) << 4);
      expect(out[i]).toBe(f(f(0.25 * (sc6 - 32)) * (low - (hbit ? 0 : 4))));
    }
  });

  it('Q4_K: (d·sc)·q − dmin·m per 32 weights, nibbles of 32-byte groups', () => {
    const bytes = random(144 * 2, 8);
    for (const b of [0, 1]) {
      setHalf(bytes, 144 * b, b ? 0x2e66 : 0x3800); // 0.1 (≈) and 0.5
      setHalf(bytes, 144 * b + 2, 0x3266); // ≈0.2
    }
    const out = dequantizeGgml('Q4_K', bytes);
    for (let i = 0; i < 512; i++) {
      const b = i >> 8;
      const k = i & 255;
      const at = 144 * b;
      const [sc, m] = scaleMinK4(bytes.subarray(at + 4, at + 16), k >> 5);
      const byte = bytes[at + 16 + 32 * (k >> 6) + (k & 31)]!;
      const q = k & 32 ? byte >> 4 : byte & 15;
      expect(out[i]).toBe(f(f(f(half(bytes, at) * sc) * q) - f(half(bytes, at + 2) * m)));
    }
  });

  it('Q5_K: as Q4_K with fifth bits qh[l] bit (k / 32)', () => {
    const bytes = random(176, 9);
    setHalf(bytes, 0, 0x3800);
    setHalf(bytes, 2, 0x3400);
    const out = dequantizeGgml('Q5_K', bytes);
    for (let k = 0; k < 256; k++) {
      const [sc, m] = scaleMinK4(bytes.subarray(4, 16), k >> 5);
      const byte = bytes[48 + 32 * (k >> 6) + (k & 31)]!;
      const q = (k & 32 ? byte >> 4 : byte & 15) + 16 * ((bytes[16 + (k & 31)]! >> (k >> 5)) & 1);
      expect(out[k]).toBe(f(f(0.5 * sc) * q) - f(0.25 * m));
    }
  });

  it('Q6_K: (d·sc)·(q − 32), low nibbles in ql, 2-bit highs in qh, int8 scales per 16', () => {
    const bytes = random(210, 10);
    setHalf(bytes, 208, 0x2c00); // 1/16
    const out = dequantizeGgml('Q6_K', bytes);
    for (let k = 0; k < 256; k++) {
      const h = k >> 7;
      const r = k & 127;
      const quarter = r >> 5; // 0..3
      const l = r & 31;
      const lowByte = bytes[64 * h + (quarter & 1 ? 32 : 0) + l]!;
      const low = quarter < 2 ? lowByte & 15 : lowByte >> 4;
      const high = (bytes[128 + 32 * h + l]! >> (2 * quarter)) & 3;
      const sc = int8(bytes[192 + (k >> 4)]!);
      expect(out[k]).toBe(f(f(sc / 16) * ((low | (high << 4)) - 32)));
    }
  });

  it('F16 and BF16 widen exactly; F32 is copied', () => {
    expect([...dequantizeGgml('F16', new Uint8Array([0x00, 0x3c, 0x00, 0xc0]))]).toEqual([1, -2]);
    expect([...dequantizeGgml('BF16', new Uint8Array([0x80, 0x3f, 0x40, 0xc0]))]).toEqual([1, -3]);
    const f32 = new Uint8Array(new Float32Array([1.5, -0.25]).buffer);
    expect([...dequantizeGgml('F32', f32.subarray(0))]).toEqual([1.5, -0.25]);
    expect([...dequantizeGgml('F16', new Uint8Array([0, 0, 0x00, 0x3c]).subarray(1, 3))]).toHaveLength(1);
  });

  it('refuses bytes that are not whole blocks', () => {
    expect(() => dequantizeGgml('Q4_K', new Uint8Array(143))).toThrow(RangeError);
    expect(() => dequantizeGgml('Q6_K', new Uint8Array(211))).toThrow(/whole blocks/);
  });
});
