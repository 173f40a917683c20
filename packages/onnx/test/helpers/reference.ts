// Plain TypeScript reference math, in float64 with float32 inputs, for checking ONNX Runtime outputs.

/** Deterministic values in [-scale, scale) from a seed (mulberry32). */
export function randomFloats(count: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (unit * 2 - 1) * scale;
  }
  return out;
}

/** `A[M, K] × B[K, N]` row-major. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float32Array {
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += (a[m * K + k] as number) * (b[k * N + n] as number);
      out[m * N + n] = sum;
    }
  }
  return out;
}

/** RMSNorm over the last axis of `[rows, hidden]`. */
export function rmsNorm(
  x: ArrayLike<number>,
  weight: ArrayLike<number>,
  hidden: number,
  epsilon: number,
): Float32Array {
  const rows = x.length / hidden;
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    let squares = 0;
    for (let h = 0; h < hidden; h++) squares += (x[r * hidden + h] as number) ** 2;
    const inv = 1 / Math.sqrt(squares / hidden + epsilon);
    for (let h = 0; h < hidden; h++) out[r * hidden + h] = (x[r * hidden + h] as number) * inv * (weight[h] as number);
  }
  return out;
}

/** Llama cos/sin caches `[maxPositions, headDim / 2]`. */
export function ropeCaches(
  headDim: number,
  maxPositions: number,
  theta: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p / theta ** ((2 * i) / headDim);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/**
 * Rotate-half RoPE (Llama, non-interleaved) on `[tokens, heads * headDim]`,
 * token t at position `positions[t]`.
 */
export function ropeRotateHalf(
  x: ArrayLike<number>,
  positions: readonly number[],
  heads: number,
  headDim: number,
  cos: ArrayLike<number>,
  sin: ArrayLike<number>,
): Float32Array {
  const half = headDim / 2;
  const out = new Float32Array(x.length);
  positions.forEach((p, t) => {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const x1 = x[base + i] as number;
        const x2 = x[base + half + i] as number;
        const c = cos[p * half + i] as number;
        const s = sin[p * half + i] as number;
        out[base + i] = x1 * c - x2 * s;
        out[base + half + i] = x2 * c + x1 * s;
      }
    }
  });
  return out;
}

/**
 * Causal grouped-query attention for one sequence: q `[S, heads * d]`,
 * k/v `[S, kvHeads * d]`; query head h reads kv head `floor(h / (heads / kvHeads))`.
 */
export function causalAttention(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  S: number,
  heads: number,
  kvHeads: number,
  d: number,
): Float32Array {
  const out = new Float32Array(S * heads * d);
  const group = heads / kvHeads;
  const scale = 1 / Math.sqrt(d);
  for (let h = 0; h < heads; h++) {
    const kh = Math.floor(h / group);
    for (let i = 0; i < S; i++) {
      const scores: number[] = [];
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++)
          dot += (q[(i * heads + h) * d + c] as number) * (k[(j * kvHeads + kh) * d + c] as number);
        scores.push(dot * scale);
      }
      const max = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - max));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let c = 0; c < d; c++) {
        let sum = 0;
        for (let j = 0; j <= i; j++) sum += ((exps[j] as number) / total) * (v[(j * kvHeads + kh) * d + c] as number);
        out[(i * heads + h) * d + c] = sum;
      }
    }
  }
  return out;
}

/** Largest absolute elementwise difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
