import { GgufFileError } from '../errors/gguf-file-error.js';
import type { GgmlTypeName } from '../format/ggml-type.js';
import { readHalf } from '../quantize/half.js';
import { kScaleMin } from '../quantize/k-scale-min.js';

/**
 * A ggml matrix rearranged for `MatMulNBits` (com.microsoft). The op
 * multiplies by `(q − zero) · scale` per block; with {@link blockMins} the
 * weights are that minus the block's minimum, which the op cannot express
 * exactly and fast (see the package README), so the caller subtracts
 * `Σ_block(A) · blockMins` with a small MatMul.
 */
export interface GgmlMatMulNBits {
  /** Output features: rows of the GGUF tensor (`shape[0]`). */
  N: number;
  /** Input features: the GGUF row length (`shape[1]`). */
  K: number;
  /** Bits per weight. */
  bits: 4 | 8;
  /** Weights per block along K: 32 (Q4_0, Q8_0, Q4_K) or 16 (Q6_K). */
  blockSize: 16 | 32;
  /** `B`: `[N, K / blockSize, blockSize · bits / 8]`, weight 2i in the low nibble of byte i (4-bit). */
  packed: Uint8Array;
  /** `scales`: `[N, K / blockSize]` float32. */
  scales: Float32Array;
  /**
   * `zero_points`: `[N, ceil(kBlocks · bits / 8)]` uint8, packed like B;
   * absent when the op's default (8 for 4-bit, 128 for 8-bit) is ggml's offset.
   */
  zeroPoints?: Uint8Array;
  /** Per-block minimums `[K / blockSize, N]` (Q4_K): weight = `(q − zero) · scale − min`. */
  blockMins?: Float32Array;
}

/** The ggml types {@link ggmlToMatMulNBits} maps. */
export const matMulNBitsTypes = ['Q4_0', 'Q8_0', 'Q4_K', 'Q6_K'] as const;

/**
 * Rearranges a ggml matrix (raw GGUF bytes, shape `[N, K]`) into
 * `MatMulNBits` inputs without going through float32; the weights the op
 * multiplies by equal ggml's dequantized values bit for bit:
 * - Q4_0 → 4-bit, block 32, default zero 8. ggml stores weight j of a block
 *   in the low nibble of byte j and weight j + 16 in its high nibble;
 *   `MatMulNBits` wants consecutive weights in consecutive nibbles (2i low,
 *   2i + 1 high), so the nibbles are re-paired.
 * - Q8_0 → 8-bit, block 32: signed bytes + 128, default zero 128.
 * - Q6_K → 8-bit, block 16: the 6-bit code + 96 (so code − 128 = q − 32),
 *   scale `d · sc`, default zero 128 (8 bits a weight instead of 6.56).
 * - Q4_K → 4-bit, block 32, scale `d · sc`, zero points 0, and
 *   {@link GgmlMatMulNBits.blockMins} `dmin · m` for the caller to subtract.
 *
 * @throws GgufFileError (`bad-shape`) for another type, a shape other than 2-D, or bytes that do not fit.
 */
export function ggmlToMatMulNBits(tensor: {
  name?: string;
  type: GgmlTypeName;
  shape: readonly number[];
  bytes: Uint8Array;
}): GgmlMatMulNBits {
  const { type, shape, bytes } = tensor;
  const fail = (reason: string) =>
    new GgufFileError({
      file: '(tensor data)',
      entry: tensor.name,
      kind: 'bad-shape',
      reason,
      hint: `Only ${matMulNBitsTypes.join(', ')} matrices map onto MatMulNBits directly; dequantize other types (dequantizeGgml).`,
    });
  if (!(matMulNBitsTypes as readonly string[]).includes(type))
    throw fail(`${type} does not map onto MatMulNBits by rearranging bytes`);
  if (shape.length !== 2) throw fail(`a ${shape.length}-D tensor is not a matrix`);
  const [N, K] = shape as [number, number];
  const superBlock = type === 'Q4_0' || type === 'Q8_0' ? 32 : 256;
  const stride = { Q4_0: 18, Q8_0: 34, Q4_K: 144, Q6_K: 210 }[type as (typeof matMulNBitsTypes)[number]];
  const units = (N * K) / superBlock;
  if (K % superBlock !== 0 || bytes.length !== units * stride)
    throw fail(`${type} [${N}, ${K}] takes ${(N * K * stride) / superBlock} bytes, got ${bytes.length}`);
  switch (type) {
    case 'Q4_0':
      return fromQ4_0(bytes, N, K);
    case 'Q8_0':
      return fromQ8_0(bytes, N, K);
    case 'Q4_K':
      return fromQ4_K(bytes, N, K);
    default:
      return fromQ6_K(bytes, N, K);
  }
}

function fromQ4_0(bytes: Uint8Array, N: number, K: number): GgmlMatMulNBits {
  const blocks = (N * K) / 32;
  const packed = new Uint8Array(blocks * 16);
  const scales = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const at = b * 18;
    scales[b] = readHalf(bytes, at);
    for (let i = 0; i < 16; i++) {
      // Weights 2i and 2i + 1: for i < 8 the low nibbles of bytes 2i, 2i + 1; else the high nibbles of 2i − 16, 2i − 15.
      const lo = i < 8 ? bytes[at + 2 + 2 * i]! & 0x0f : bytes[at + 2 + 2 * i - 16]! >> 4;
      const hi = i < 8 ? bytes[at + 3 + 2 * i]! & 0x0f : bytes[at + 3 + 2 * i - 16]! >> 4;
      packed[b * 16 + i] = lo | (hi << 4);
    }
  }
  return { N, K, bits: 4, blockSize: 32, packed, scales };
}

function fromQ8_0(bytes: Uint8Array, N: number, K: number): GgmlMatMulNBits {
  const blocks = (N * K) / 32;
  const packed = new Uint8Array(blocks * 32);
  const scales = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    scales[b] = readHalf(bytes, b * 34);
    for (let j = 0; j < 32; j++) packed[b * 32 + j] = (bytes[b * 34 + 2 + j]! + 128) & 0xff;
  }
  return { N, K, bits: 8, blockSize: 32, packed, scales };
}

function fromQ4_K(bytes: Uint8Array, N: number, K: number): GgmlMatMulNBits {
  const kBlocks = K / 32;
  const blocks = N * kBlocks;
  const packed = new Uint8Array(blocks * 16);
  const scales = new Float32Array(blocks);
  const blockMins = new Float32Array(blocks);
  for (let s = 0; s < blocks / 8; s++) {
    const at = s * 144;
    const d = readHalf(bytes, at);
    const dmin = readHalf(bytes, at + 2);
    for (let j = 0; j < 8; j++) {
      const block = s * 8 + j;
      const [sc, m] = kScaleMin(bytes, at + 4, j);
      scales[block] = Math.fround(d * sc);
      // Minimums are laid out [K / 32, N] for the correction MatMul.
      blockMins[(block % kBlocks) * N + Math.floor(block / kBlocks)] = Math.fround(dmin * m);
      const codes = at + 16 + 32 * (j >> 1);
      const shift = (j & 1) * 4;
      for (let i = 0; i < 16; i++) {
        const lo = (bytes[codes + 2 * i]! >> shift) & 0x0f;
        const hi = (bytes[codes + 2 * i + 1]! >> shift) & 0x0f;
        packed[block * 16 + i] = lo | (hi << 4);
      }
    }
  }
  const zeroPoints = new Uint8Array(N * Math.ceil(kBlocks / 2));
  return { N, K, bits: 4, blockSize: 32, packed, scales, zeroPoints, blockMins };
}

function fromQ6_K(bytes: Uint8Array, N: number, K: number): GgmlMatMulNBits {
  const blocks = (N * K) / 16;
  const packed = new Uint8Array(blocks * 16);
  const scales = new Float32Array(blocks);
  for (let s = 0; s < blocks / 16; s++) {
    const at = s * 210;
    const d = readHalf(bytes, at + 208);
    for (let j = 0; j < 16; j++) {
      const sc = bytes[at + 192 + j]!;
      scales[s * 16 + j] = Math.fround(d * (sc > 127 ? sc - 256 : sc));
    }
    for (let half = 0; half < 2; half++) {
      for (let l = 0; l < 32; l++) {
        const high = bytes[at + 128 + 32 * half + l]!;
        const a = bytes[at + 64 * half + l]!;
        const c = bytes[at + 64 * half + 32 + l]!;
        const out = s * 256 + 128 * half + l;
        packed[out] = ((a & 0x0f) | ((high & 3) << 4)) + 96;
        packed[out + 32] = ((c & 0x0f) | (((high >> 2) & 3) << 4)) + 96;
        packed[out + 64] = ((a >> 4) | (((high >> 4) & 3) << 4)) + 96;
        packed[out + 96] = ((c >> 4) | (((high >> 6) & 3) << 4)) + 96;
      }
    }
  }
  return { N, K, bits: 8, blockSize: 16, packed, scales };
}
