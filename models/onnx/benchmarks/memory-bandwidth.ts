import { performance } from 'node:perf_hooks';

/** This machine's memory bandwidth, roughly, as JS sees it. */
export interface MemoryBandwidth {
  /**
   * Best of a few sums over a 1 GiB Float32Array (4 accumulators), in GB/s of
   * data read. JS arithmetic, not memory, limits it on fast machines: a lower bound.
   */
  readGBps: number;
  /** Best of a few `TypedArray.set` copies of 512 MiB (native memcpy), in GB/s of data read plus written. */
  copyGBps: number;
}

/**
 * Measures memory bandwidth with plain JS: a read-only reduction over 1 GiB
 * (far larger than any cache) and a native copy. The reduction is what a
 * decode step must do with the weights at least once.
 */
export function measureMemoryBandwidth(): MemoryBandwidth {
  const floats = 256 * 1024 * 1024;
  const data = new Float32Array(floats).fill(1);
  let readGBps = 0;
  let checksum = 0;
  for (let round = 0; round < 4; round++) {
    const started = performance.now();
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (let i = 0; i < floats; i += 4) {
      a += data[i]!;
      b += data[i + 1]!;
      c += data[i + 2]!;
      d += data[i + 3]!;
    }
    const seconds = (performance.now() - started) / 1000;
    checksum += a + b + c + d;
    readGBps = Math.max(readGBps, (floats * 4) / seconds / 1e9);
  }
  const half = floats / 2;
  const source = data.subarray(0, half);
  const target = data.subarray(half);
  let copyGBps = 0;
  for (let round = 0; round < 4; round++) {
    const started = performance.now();
    target.set(source);
    const seconds = (performance.now() - started) / 1000;
    copyGBps = Math.max(copyGBps, (2 * half * 4) / seconds / 1e9);
  }
  if (checksum < 0) console.log(checksum);
  return { readGBps, copyGBps };
}
