/**
 * IEEE 754 half precision (F16) <-> float32 conversion over whole arrays.
 * Both directions work on the raw bits through integer views, so they never
 * allocate per element.
 */

let halfToFloatBits: Uint32Array | undefined;

// One float32 bit pattern per half bit pattern (256 KiB): a lookup is faster
// than re-deriving exponent and subnormal cases for each of millions of values.
function halfTable(): Uint32Array {
  if (halfToFloatBits) return halfToFloatBits;
  const table = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >>> 10) & 0x1f;
    let mantissa = h & 0x3ff;
    if (exponent === 0x1f) {
      table[h] = sign | 0x7f800000 | (mantissa << 13);
    } else if (exponent !== 0) {
      table[h] = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa === 0) {
      table[h] = sign;
    } else {
      // Subnormal half: shift the mantissa up until its leading 1 becomes the
      // implicit bit of a normal float32, lowering the exponent each step.
      let floatExponent = 113;
      while ((mantissa & 0x400) === 0) {
        mantissa <<= 1;
        floatExponent--;
      }
      table[h] = sign | (floatExponent << 23) | ((mantissa & 0x3ff) << 13);
    }
  }
  halfToFloatBits = table;
  return table;
}

/**
 * Converts float32 values to F16 bit patterns, rounding to nearest, ties to
 * even. Values too large become ±Infinity, values too small become F16
 * subnormals or ±0, NaN stays NaN (quiet, sign and top payload bits kept).
 *
 * @param input - The float32 values.
 * @param output - Where to write the bit patterns; a new array when omitted.
 * @returns `output`, holding one F16 bit pattern per input value.
 * @throws RangeError when `output` is shorter than `input`.
 */
export function float32ToFloat16(
  input: Float32Array,
  output: Uint16Array = new Uint16Array(input.length),
): Uint16Array {
  const length = input.length;
  if (output.length < length) throw new RangeError(`output holds ${output.length} values, input has ${length}`);
  const bits = new Uint32Array(input.buffer, input.byteOffset, length);
  for (let i = 0; i < length; i++) {
    const x = bits[i]!;
    const sign = (x >>> 16) & 0x8000;
    const abs = x & 0x7fffffff;
    let half: number;
    if (abs >= 0x7f800000) {
      half = abs === 0x7f800000 ? 0x7c00 : 0x7e00 | ((abs >>> 13) & 0x3ff);
    } else if (abs >= 0x47800000) {
      // 2^16 and above is past the largest half (65504) even before rounding.
      half = 0x7c00;
    } else if (abs >= 0x38800000) {
      // Normal half. A carry out of the mantissa correctly bumps the
      // exponent, and rounds 65520 and above up to Infinity.
      half = (((abs >>> 23) - 112) << 10) | ((abs >>> 13) & 0x3ff);
      const rest = abs & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
    } else {
      const shift = 126 - (abs >>> 23);
      if (shift > 24) {
        half = 0;
      } else {
        // Subnormal half: the value in units of 2^-24 is the full mantissa
        // (implicit bit included) shifted right, rounded to nearest even.
        const mantissa = (abs & 0x7fffff) | 0x800000;
        half = mantissa >>> shift;
        const rest = mantissa & ((1 << shift) - 1);
        const halfway = 1 << (shift - 1);
        if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
      }
    }
    output[i] = sign | half;
  }
  return output;
}

/**
 * Converts F16 bit patterns to float32 values (exact: every half is a float32).
 *
 * Writing goes front to back, so `output` may share memory with `input` when
 * `input` lies in the upper half of `output`'s bytes; the reader uses that to
 * convert a tensor inside a single buffer.
 *
 * @param input - The F16 bit patterns.
 * @param output - Where to write the values; a new array when omitted.
 * @returns `output`, holding one float32 per input value.
 * @throws RangeError when `output` is shorter than `input`.
 */
export function float16ToFloat32(
  input: Uint16Array,
  output: Float32Array = new Float32Array(input.length),
): Float32Array {
  const length = input.length;
  if (output.length < length) throw new RangeError(`output holds ${output.length} values, input has ${length}`);
  const table = halfTable();
  const bits = new Uint32Array(output.buffer, output.byteOffset, length);
  for (let i = 0; i < length; i++) bits[i] = table[input[i]!]!;
  return output;
}
