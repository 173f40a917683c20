import { GraphError } from '../errors/graph-error.js';

/** How to quantize a weight for `MatMulNBits`. */
export interface NBitsOptions {
  /** Bits per weight: 4 or 8. */
  bits: 4 | 8;
  /** Weights per block along K, each block with its own scale (and zero point). */
  blockSize: 16 | 32 | 64 | 128;
  /**
   * Symmetric quantization: one scale per block and the op's default zero
   * point (8 for 4-bit, 128 for 8-bit), so no zero points are stored.
   * Default false: asymmetric, a zero point per block, slightly more accurate.
   */
  symmetric?: boolean;
}

/** A weight quantized for `MatMulNBits` (com.microsoft), ready to become initializers. */
export interface QuantizedMatMulNBits {
  /** Input features (rows of the `[K, N]` MatMul weight). */
  K: number;
  /** Output features. */
  N: number;
  /** Bits per weight. */
  bits: 4 | 8;
  /** Weights per block along K. */
  blockSize: number;
  /** Blocks per output feature: `ceil(K / blockSize)`. */
  kBlocks: number;
  /** Quantized weights `[N, kBlocks, blockSize * bits / 8]`, low nibble first for 4-bit. */
  packed: Uint8Array;
  /** Scales `[N, kBlocks]`. */
  scales: Float32Array;
  /** Zero points `[N, ceil(kBlocks * bits / 8)]`, packed like the weights; absent when symmetric. */
  zeroPoints: Uint8Array | undefined;
  /**
   * Per-block minimums `[N, kBlocks]` subtracted from the op's weights (a
   * GGUF K-quant's `dmin·m`): weight = `(q − zeroPoint) · scale − min`. The
   * graph adds them as an exact correction MatMul (`GraphBuilder.quantizedMatMul`).
   * Absent for weights this package quantizes.
   */
  blockMins?: Float32Array | undefined;
  /** What the op computes with: `(q - zeroPoint) · scale`, as the row-major `[K, N]` MatMul weight (computed on first read). */
  readonly dequantized: Float32Array;
}

/**
 * Quantizes a MatMul weight for `MatMulNBits`, block-wise along K with round
 * to nearest.
 *
 * @param weight row-major `[K, N]`, as in `MatMul(A[..., K], W[K, N])`
 * @param K input features
 * @param N output features
 * @param options bits, block size, symmetric
 * @throws {GraphError} when sizes or options are invalid
 */
export function quantizeMatMulNBits(
  weight: Float32Array,
  K: number,
  N: number,
  options: NBitsOptions,
): QuantizedMatMulNBits {
  return quantize('quantizeMatMulNBits', weight, K, N, options, 'matmul');
}

/**
 * Quantizes a Hugging Face `Linear` weight (`[out_features, in_features]`,
 * that is `[N, K]`) for `MatMulNBits`. Same result as transposing it and
 * calling {@link quantizeMatMulNBits}, without the copy.
 *
 * @param weight row-major `[N, K]`
 * @param N output features
 * @param K input features
 * @param options bits, block size, symmetric
 * @throws {GraphError} when sizes or options are invalid
 */
export function quantizeLinearNBits(
  weight: Float32Array,
  N: number,
  K: number,
  options: NBitsOptions,
): QuantizedMatMulNBits {
  return quantize('quantizeLinearNBits', weight, K, N, options, 'linear');
}

/**
 * A linear weight already in `MatMulNBits` layout, as a checkpoint stores it
 * (a GGUF Q4_0 or Q8_0 tensor rearranged by `ggmlToMatMulNBits` of
 * `@pio/gguf`): `[N, K]` rows, blocks along K.
 */
export interface PrequantizedLinear {
  /** Output features (rows). */
  N: number;
  /** Input features. */
  K: number;
  /** Bits per weight. */
  bits: 4 | 8;
  /** Weights per block along K. */
  blockSize: number;
  /** `[N, ceil(K / blockSize), blockSize · bits / 8]`, low nibble first for 4-bit. */
  packed: Uint8Array;
  /** `[N, ceil(K / blockSize)]`. */
  scales: Float32Array;
  /** `[N, ceil(kBlocks · bits / 8)]`, packed like the weights; absent for the op's default zero point. */
  zeroPoints?: Uint8Array | undefined;
  /** `[N, ceil(K / blockSize)]` minimums less which the op's weights are the stored ones (GGUF Q4_K, Q5_K, Q2_K, Q4_1, Q5_1). */
  blockMins?: Float32Array | undefined;
}

/**
 * Stacks pre-quantized linear weights by rows (Q, K, V into one fused
 * layer) into one {@link QuantizedMatMulNBits}, each part's scales multiplied
 * by its `scale` factor (the attention's `1/sqrt(headDim)`), without going
 * through float32. Parts must share K, bits, block size and whether they
 * have zero points.
 *
 * @throws {GraphError} when the parts do not share a layout
 */
export function stackPrequantized(
  parts: readonly { weight: PrequantizedLinear; scale?: number }[],
): QuantizedMatMulNBits {
  const first = parts[0]?.weight;
  const same = (w: PrequantizedLinear) =>
    first !== undefined &&
    w.K === first.K &&
    w.bits === first.bits &&
    w.blockSize === first.blockSize &&
    (w.zeroPoints === undefined) === (first.zeroPoints === undefined) &&
    (w.blockMins === undefined) === (first.blockMins === undefined);
  if (!first || !parts.every((part) => same(part.weight))) {
    throw new GraphError({
      graphName: 'stackPrequantized',
      issues: [
        {
          problem: 'invalid-argument',
          detail: 'the parts of one linear layer differ in K, bits, block size, zero points or block minimums',
        },
      ],
      hint: 'Stack only weights quantized the same way, or dequantize and quantize them together.',
    });
  }
  const { K, bits, blockSize } = first;
  const concat = <T extends Uint8Array | Float32Array>(arrays: T[], make: (length: number) => T): T => {
    if (arrays.length === 1) return arrays[0]!;
    const out = make(arrays.reduce((sum, array) => sum + array.length, 0));
    let offset = 0;
    for (const array of arrays) {
      out.set(array, offset);
      offset += array.length;
    }
    return out;
  };
  const scaledBy = (values: Float32Array, scale: number | undefined) =>
    scale === undefined || scale === 1 ? values : values.map((value) => value * scale);
  const scaled = parts.map(({ weight, scale }) => scaledBy(weight.scales, scale));
  const packed = concat(
    parts.map((part) => part.weight.packed),
    (n) => new Uint8Array(n),
  );
  const scales = concat(scaled, (n) => new Float32Array(n));
  const zeroPoints = first.zeroPoints
    ? concat(
        parts.map((part) => part.weight.zeroPoints!),
        (n) => new Uint8Array(n),
      )
    : undefined;
  // A part's factor scales its whole weight, minimums included.
  const blockMins = first.blockMins
    ? concat(
        parts.map(({ weight, scale }) => scaledBy(weight.blockMins!, scale)),
        (n) => new Float32Array(n),
      )
    : undefined;
  const N = parts.reduce((sum, part) => sum + part.weight.N, 0);
  return quantizedWeight({
    K,
    N,
    bits,
    blockSize,
    kBlocks: Math.ceil(K / blockSize),
    packed,
    scales,
    zeroPoints,
    ...(blockMins ? { blockMins } : {}),
  });
}

/**
 * Dequantizes `MatMulNBits` weights to the row-major `[K, N]` MatMul weight,
 * as the op does: `(q - zeroPoint) · scale`, with the default zero point
 * `2^(bits-1)` when none are given, less the block's minimum when
 * `blockMins` `[N, kBlocks]` are given.
 *
 * @param quantized packed weights, scales and optional zero points
 * @param K input features
 * @param N output features
 * @param options bits and block size
 */
export function dequantizeMatMulNBits(
  quantized: {
    packed: Uint8Array;
    scales: Float32Array;
    zeroPoints?: Uint8Array | undefined;
    blockMins?: Float32Array | undefined;
  },
  K: number,
  N: number,
  options: { bits: 4 | 8; blockSize: number },
): Float32Array {
  const { bits, blockSize } = options;
  const kBlocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  const zeroStride = Math.ceil((kBlocks * bits) / 8);
  const out = new Float32Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let block = 0; block < kBlocks; block++) {
      const scale = quantized.scales[n * kBlocks + block] as number;
      const zero = quantized.zeroPoints
        ? readPacked(quantized.zeroPoints, n * zeroStride, block, bits)
        : 1 << (bits - 1);
      const min = quantized.blockMins?.[n * kBlocks + block];
      const base = (n * kBlocks + block) * blob;
      const end = Math.min(blockSize, K - block * blockSize);
      for (let j = 0; j < end; j++) {
        const q = readPacked(quantized.packed, base, j, bits);
        const weight = Math.fround((q - zero) * scale);
        out[(block * blockSize + j) * N + n] = min === undefined ? weight : Math.fround(weight - min);
      }
    }
  }
  return out;
}

function quantize(
  caller: string,
  weight: Float32Array,
  K: number,
  N: number,
  options: NBitsOptions,
  layout: 'matmul' | 'linear',
): QuantizedMatMulNBits {
  const { bits, blockSize } = options;
  const symmetric = options.symmetric ?? false;
  checkArguments(caller, weight, K, N, bits, blockSize);
  const kBlocks = Math.ceil(K / blockSize);
  const zeroStride = Math.ceil((kBlocks * bits) / 8);
  const packed = new Uint8Array((N * kBlocks * blockSize * bits) / 8);
  const scales = new Float32Array(N * kBlocks);
  const zeroPoints = symmetric ? undefined : new Uint8Array(N * zeroStride);
  const target: RowTarget = { packed, scales, zeroPoints, zeroStride, kBlocks, blockSize, bits, symmetric };
  if (layout === 'linear') {
    // Each output feature's K weights are contiguous: quantize them in place.
    for (let n = 0; n < N; n++) quantizeRow(weight, n * K, K, n, target);
  } else {
    const column = new Float32Array(K);
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) column[k] = weight[k * N + n] as number;
      quantizeRow(column, 0, K, n, target);
    }
  }
  return quantizedWeight({ K, N, bits, blockSize, kBlocks, packed, scales, zeroPoints });
}

/** Where {@link quantizeRow} writes one output feature. */
interface RowTarget {
  packed: Uint8Array;
  scales: Float32Array;
  zeroPoints: Uint8Array | undefined;
  zeroStride: number;
  kBlocks: number;
  blockSize: number;
  bits: 4 | 8;
  symmetric: boolean;
}

/**
 * Quantizes output feature `n`, whose K weights are `source[offset ..
 * offset + K)`, into row `n` of the target, block by block. Positions past K
 * (padding of the last block) hold the zero point: they dequantize to 0.
 *
 * Levels are `floor(v / scale + 0.5)`, which equals `Math.round(v / scale)`
 * here: v and scale are float32, so a quotient that is not exactly a
 * half-integer lies at least ~2^-28 from one, far beyond the one rounding
 * of `+ 0.5`. V8's `Math.round` branches on the fraction, which random
 * weights mispredict half the time: `floor` is about 2.4x faster.
 */
function quantizeRow(source: Float32Array, offset: number, K: number, n: number, target: RowTarget): void {
  const { packed, scales, zeroPoints, zeroStride, kBlocks, blockSize, bits, symmetric } = target;
  const qMax = (1 << bits) - 1;
  const half = 1 << (bits - 1);
  const blob = (blockSize * bits) / 8;
  for (let block = 0; block < kBlocks; block++) {
    const start = offset + block * blockSize;
    const end = offset + Math.min(K, (block + 1) * blockSize);
    let scale: number;
    let zero: number;
    if (symmetric) {
      // The value of largest magnitude maps to -2^(bits-1) exactly, so its sign side uses the full range.
      let extreme = 0;
      for (let i = start; i < end; i++) {
        const v = source[i] as number;
        if (Math.abs(v) > Math.abs(extreme)) extreme = v;
      }
      scale = Math.fround(extreme / -half);
      zero = half;
    } else {
      // The range always includes 0 so that zero weights (and K padding) stay exact.
      let low = 0;
      let high = 0;
      for (let i = start; i < end; i++) {
        const v = source[i] as number;
        if (v < low) low = v;
        if (v > high) high = v;
      }
      scale = Math.fround((high - low) / qMax);
      zero = scale === 0 ? 0 : clamp(Math.round(-low / scale), 0, qMax);
    }
    scales[n * kBlocks + block] = scale;
    if (zeroPoints) writePacked(zeroPoints, n * zeroStride, block, bits, zero);
    const base = (n * kBlocks + block) * blob;
    const count = scale === 0 ? 0 : end - start;
    if (bits === 8) {
      for (let j = 0; j < blockSize; j++) {
        let q = zero;
        if (j < count) {
          q = clamp(Math.floor((source[start + j] as number) / scale + 0.5) + zero, 0, qMax);
        }
        packed[base + j] = q;
      }
    } else {
      // Block sizes are even: two levels per byte, the first in the low nibble.
      for (let j = 0; j < blockSize; j += 2) {
        let low = zero;
        let high = zero;
        if (j < count) {
          low = clamp(Math.floor((source[start + j] as number) / scale + 0.5) + zero, 0, qMax);
        }
        if (j + 1 < count) {
          high = clamp(Math.floor((source[start + j + 1] as number) / scale + 0.5) + zero, 0, qMax);
        }
        packed[base + (j >> 1)] = low | (high << 4);
      }
    }
  }
}

/**
 * The weight with its `dequantized` view computed on first read only: a build
 * quantizes and drops, and a float copy of a 1.5 GB embedding is 1.5 GB.
 */
function quantizedWeight(weight: Omit<QuantizedMatMulNBits, 'dequantized'>): QuantizedMatMulNBits {
  let dequantized: Float32Array | undefined;
  const { K, N, bits, blockSize, packed, scales, zeroPoints, blockMins } = weight;
  return {
    ...weight,
    get dequantized() {
      dequantized ??= dequantizeMatMulNBits({ packed, scales, zeroPoints, blockMins }, K, N, { bits, blockSize });
      return dequantized;
    },
  };
}

function checkArguments(
  caller: string,
  weight: Float32Array,
  K: number,
  N: number,
  bits: number,
  blockSize: number,
): void {
  const problems: string[] = [];
  if (bits !== 4 && bits !== 8) problems.push(`bits ${bits} is not 4 or 8`);
  if (![16, 32, 64, 128].includes(blockSize)) problems.push(`blockSize ${blockSize} is not 16, 32, 64 or 128`);
  if (!Number.isInteger(K) || K < 1 || !Number.isInteger(N) || N < 1)
    problems.push(`K ${K} and N ${N} must be positive integers`);
  else if (weight.length !== K * N) problems.push(`weight has ${weight.length} values, K·N is ${K * N}`);
  if (problems.length > 0) {
    throw new GraphError({
      // No graph exists yet: name the function that was called instead.
      graphName: caller,
      issues: problems.map((detail) => ({ problem: 'invalid-argument' as const, opType: 'MatMulNBits', detail })),
      hint: 'Quantize a K·N float32 weight with bits 4 or 8 and a block size of 16, 32, 64 or 128.',
    });
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}

function writePacked(target: Uint8Array, base: number, position: number, bits: number, value: number): void {
  if (bits === 8) {
    target[base + position] = value;
    return;
  }
  // Two 4-bit values per byte, the first in the low nibble.
  const at = base + (position >> 1);
  target[at] = position & 1 ? ((target[at] as number) & 0x0f) | (value << 4) : ((target[at] as number) & 0xf0) | value;
}

function readPacked(source: Uint8Array, base: number, position: number, bits: number): number {
  if (bits === 8) return source[base + position] as number;
  const byte = source[base + (position >> 1)] as number;
  return position & 1 ? byte >> 4 : byte & 0x0f;
}
