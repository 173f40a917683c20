import { bfloat16ToFloat32, float16ToFloat32 } from '@pio/safetensors';
import type { GgmlTypeName } from '../format/ggml-type.js';
import { dequantizeQ2_K } from './q2-k.js';
import { dequantizeQ3_K } from './q3-k.js';
import { dequantizeQ4_0 } from './q4-0.js';
import { dequantizeQ4_1 } from './q4-1.js';
import { dequantizeQ4_K } from './q4-k.js';
import { dequantizeQ5_0 } from './q5-0.js';
import { dequantizeQ5_1 } from './q5-1.js';
import { dequantizeQ5_K } from './q5-k.js';
import { dequantizeQ6_K } from './q6-k.js';
import { dequantizeQ8_0 } from './q8-0.js';

function aligned(bytes: Uint8Array, width: number): Uint8Array {
  return bytes.byteOffset % width === 0 ? bytes : bytes.slice();
}

function whole(type: string, bytes: Uint8Array, width: number): void {
  if (bytes.length % width !== 0)
    throw new RangeError(`${type} data is ${width}-byte values; got ${bytes.length} bytes`);
}

/**
 * The float32 values of tensor bytes stored as `type` (ggml's layouts, the
 * arithmetic of ggml's `dequantize_row_*`): F32, F16, BF16, Q8_0, Q4_0, Q4_1,
 * Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K. Allocates the output.
 *
 * @throws RangeError when the bytes are not whole values or blocks of `type`.
 */
export function dequantizeGgml(type: GgmlTypeName, bytes: Uint8Array): Float32Array {
  switch (type) {
    case 'F32': {
      whole(type, bytes, 4);
      const copy = bytes.slice();
      return new Float32Array(copy.buffer, 0, copy.length / 4);
    }
    case 'F16': {
      whole(type, bytes, 2);
      const data = aligned(bytes, 2);
      return float16ToFloat32(new Uint16Array(data.buffer, data.byteOffset, data.length / 2));
    }
    case 'BF16': {
      whole(type, bytes, 2);
      const data = aligned(bytes, 2);
      return bfloat16ToFloat32(new Uint16Array(data.buffer, data.byteOffset, data.length / 2));
    }
    case 'Q8_0':
      return dequantizeQ8_0(bytes);
    case 'Q4_0':
      return dequantizeQ4_0(bytes);
    case 'Q4_1':
      return dequantizeQ4_1(bytes);
    case 'Q5_0':
      return dequantizeQ5_0(bytes);
    case 'Q5_1':
      return dequantizeQ5_1(bytes);
    case 'Q2_K':
      return dequantizeQ2_K(bytes);
    case 'Q3_K':
      return dequantizeQ3_K(bytes);
    case 'Q4_K':
      return dequantizeQ4_K(bytes);
    case 'Q5_K':
      return dequantizeQ5_K(bytes);
    case 'Q6_K':
      return dequantizeQ6_K(bytes);
  }
}
