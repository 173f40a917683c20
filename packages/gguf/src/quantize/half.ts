import { float16ToFloat32, float32ToFloat16 } from '@pio/safetensors';

let table: Float32Array | undefined;

/** The float32 value of IEEE half-precision bits (a 256 KiB table, built on first use). */
export function halfToFloat(bits: number): number {
  if (!table) {
    const all = new Uint16Array(65536);
    for (let i = 0; i < all.length; i++) all[i] = i;
    table = float16ToFloat32(all);
  }
  return table[bits]!;
}

/** The little-endian half at `offset` of `bytes`, as float32. */
export function readHalf(bytes: Uint8Array, offset: number): number {
  return halfToFloat(bytes[offset]! | (bytes[offset + 1]! << 8));
}

const one = new Float32Array(1);
const oneHalf = new Uint16Array(1);

/** IEEE half bits of `value` (round to nearest even, as ggml's `GGML_FP32_TO_FP16`). */
export function floatToHalfBits(value: number): number {
  one[0] = value;
  return float32ToFloat16(one, oneHalf)[0]!;
}

/** Writes `value` as a little-endian half at `offset`; returns the float32 the half stands for. */
export function writeHalf(bytes: Uint8Array, offset: number, value: number): number {
  const bits = floatToHalfBits(value);
  bytes[offset] = bits & 0xff;
  bytes[offset + 1] = bits >> 8;
  return halfToFloat(bits);
}

/** Checks that `bytes` hold whole blocks; returns how many. */
export function wholeBlocks(type: string, bytes: Uint8Array, blockBytes: number): number {
  if (bytes.length % blockBytes !== 0)
    throw new RangeError(`${type} data is whole blocks of ${blockBytes} bytes; got ${bytes.length} bytes`);
  return bytes.length / blockBytes;
}
