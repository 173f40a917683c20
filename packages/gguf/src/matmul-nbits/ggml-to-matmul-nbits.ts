import { GgufFileError } from '../errors/gguf-file-error.js';
import type { GgmlTypeName } from '../format/ggml-type.js';
import { ggmlBlockCodes } from './ggml-block-codes.js';

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
  /** Weights per block along K: 32, or 16 for Q2_K, Q3_K and Q6_K (their sub-blocks). */
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
  /**
   * Per-block minimums `[N, K / blockSize]`, one row per output feature like
   * the scales (Q4_1, Q5_1, Q2_K, Q4_K, Q5_K): weight = `(q − zero) · scale − min`.
   */
  blockMins?: Float32Array;
}

/** The ggml types {@link ggmlToMatMulNBits} maps. */
export const matMulNBitsTypes = [
  'Q4_0',
  'Q4_1',
  'Q5_0',
  'Q5_1',
  'Q8_0',
  'Q2_K',
  'Q3_K',
  'Q4_K',
  'Q5_K',
  'Q6_K',
] as const;

/**
 * Rearranges a ggml matrix (raw GGUF bytes, shape `[N, K]`) into
 * `MatMulNBits` inputs without going through float32; the weights the op
 * multiplies by, `(q − zero) · scale` less {@link GgmlMatMulNBits.blockMins}
 * where there are minimums, equal ggml's dequantized values bit for bit:
 * - Q4_0 → 4-bit, block 32, default zero 8. ggml stores weight j of a block
 *   in the low nibble of byte j and weight j + 16 in its high nibble;
 *   `MatMulNBits` wants consecutive weights in consecutive nibbles (2i low,
 *   2i + 1 high), so the nibbles are re-paired. Q4_1: the same codes, zero
 *   points 0, minimum −m.
 * - Q8_0 → 8-bit, block 32: signed bytes + 128, default zero 128. Q5_0:
 *   5-bit code + 112; Q5_1: 5-bit code, zero points 0, minimum −m.
 * - Q6_K → 8-bit, block 16: the 6-bit code + 96 (so code − 128 = q − 32),
 *   scale `d · sc` (8 bits a weight instead of 6.56).
 * - Q4_K → 4-bit, block 32, scale `d · sc`, zero points 0, minimum
 *   `dmin · m`; Q5_K the same at 8 bits; Q2_K at 4 bits in blocks of 16.
 * - Q3_K → 4-bit, block 16, code `q + 4` (q in 0..7, ggml's `q − 4`),
 *   default zero 8, scale `d · (sc − 32)`.
 *
 * With `centered`, the types with minimums need no zero points: each code
 * is shifted so that the middle of ggml's code range sits at the op's
 * default zero point (`code + shift − 2^(bits−1) = code − 2^(codeBits−1)`;
 * Q4_K codes run −8…7 around 8 instead of 0…15 from an explicit 0, as
 * Q4_0's do), and the shift is folded into the minimum (`min −
 * 2^(codeBits−1) · scale`, one float32 rounding per block). The same
 * weights up to that rounding, no zero-point tensor for the op to read, and
 * an embedding table `GatherBlockQuantized` can look rows up in (it takes
 * no minimums, but a default zero point).
 *
 * @throws GgufFileError (`bad-shape`) for another type, a shape other than 2-D, or bytes that do not fit.
 */
export function ggmlToMatMulNBits(
  tensor: {
    name?: string;
    type: GgmlTypeName;
    shape: readonly number[];
    bytes: Uint8Array;
  },
  options: { centered?: boolean } = {},
): GgmlMatMulNBits {
  const { type, shape, bytes } = tensor;
  const fail = (reason: string) =>
    new GgufFileError({
      file: '(tensor data)',
      entry: tensor.name,
      kind: 'bad-shape',
      reason,
      hint: `Only ${matMulNBitsTypes.join(', ')} matrices map onto MatMulNBits directly; dequantize other types (dequantizeGgml).`,
    });
  const layout = ggmlBlockCodes[type];
  if (!layout) throw fail(`${type} does not map onto MatMulNBits by rearranging bytes`);
  if (shape.length !== 2) throw fail(`a ${shape.length}-D tensor is not a matrix`);
  const [N, K] = shape as [number, number];
  const { bits, blockSize, superBlock, stride } = layout;
  const superBlocks = (N * K) / superBlock;
  if (K % superBlock !== 0 || bytes.length !== superBlocks * stride)
    throw fail(`${type} [${N}, ${K}] takes ${(N * K * stride) / superBlock} bytes, got ${bytes.length}`);
  const kBlocks = K / blockSize;
  const perSuper = superBlock / blockSize;
  // Centered: code + shift − 2^(bits−1) = code − half, and min − half·scale takes the rest.
  const half = options.centered && layout.codeBits ? 2 ** (layout.codeBits - 1) : 0;
  const shift = half ? 2 ** (bits - 1) - half : 0;
  const blob = (blockSize * bits) / 8;
  const packed = new Uint8Array(N * kBlocks * blob);
  const scales = new Float32Array(N * kBlocks);
  const blockMins = layout.mins ? new Float32Array(N * kBlocks) : undefined;
  const codes = new Uint8Array(superBlock);
  const superScales = new Float32Array(perSuper);
  const superMins = new Float32Array(perSuper);
  for (let s = 0; s < superBlocks; s++) {
    layout.decode(bytes, s * stride, codes, superScales, superMins);
    for (let j = 0; j < perSuper; j++) {
      const block = s * perSuper + j;
      scales[block] = superScales[j]!;
      if (blockMins) blockMins[block] = half ? Math.fround(superMins[j]! - half * superScales[j]!) : superMins[j]!;
      const out = block * blob;
      const from = j * blockSize;
      if (shift) for (let i = from; i < from + blockSize; i++) codes[i]! += shift;
      if (bits === 8) packed.set(codes.subarray(from, from + blockSize), out);
      else for (let i = 0; i < blob; i++) packed[out + i] = codes[from + 2 * i]! | (codes[from + 2 * i + 1]! << 4);
    }
  }
  const result: GgmlMatMulNBits = { N, K, bits, blockSize, packed, scales };
  if (layout.zero === 0 && !half) result.zeroPoints = new Uint8Array(N * Math.ceil((kBlocks * bits) / 8));
  if (blockMins) result.blockMins = blockMins;
  return result;
}
