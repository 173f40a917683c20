/**
 * A small deterministic pseudo-random generator: the same seed always gives
 * the same sequence, on every platform and Node version.
 */
export interface Rng {
  /** The next 32-bit unsigned integer. */
  nextUint32(): number;
  /** A uniform number in [0, 1), with 32 bits of resolution. */
  next(): number;
  /** A uniform integer in [0, `bound`). */
  int(bound: number): number;
  /** A standard normal number (mean 0, standard deviation 1). */
  normal(): number;
  /**
   * Fills `target` with normal numbers of the given mean and standard deviation.
   *
   * @returns `target`.
   */
  fillNormal(target: Float32Array, std?: number, mean?: number): Float32Array;
  /**
   * A new generator seeded from this one's seed and `label`, independent of
   * how many numbers this one has drawn: `rng.fork('model.norm.weight')` is
   * the same stream whatever else was generated first.
   */
  fork(label: string): Rng;
}

const twoTo32 = 4294967296;

/**
 * Creates a deterministic generator: splitmix32 for the integers, Box-Muller
 * for the normals.
 *
 * @param seed - Any integer (taken modulo 2^32) or a string (hashed with FNV-1a).
 * @returns A generator; two generators made from the same seed give the same sequence.
 * @throws RangeError when `seed` is a number but not a finite integer.
 */
export function createRng(seed: number | string): Rng {
  if (typeof seed === 'number' && !Number.isInteger(seed)) {
    throw new RangeError(`createRng: seed must be an integer or a string, got ${seed}`);
  }
  const seedBits = typeof seed === 'string' ? hashString(seed) : seed >>> 0;
  let state = seedBits;
  // Box-Muller yields normals in pairs; the second one waits here.
  let spareNormal: number | undefined;

  const nextUint32 = (): number => {
    state = (state + golden) | 0;
    return mix(state);
  };
  const next = (): number => nextUint32() / twoTo32;
  const normal = (): number => {
    if (spareNormal !== undefined) {
      const value = spareNormal;
      spareNormal = undefined;
      return value;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  return {
    nextUint32,
    next,
    normal,
    int(bound: number): number {
      if (!Number.isInteger(bound) || bound <= 0 || bound > twoTo32) {
        throw new RangeError(`Rng.int: bound must be an integer in [1, 2^32], got ${bound}`);
      }
      return Math.floor(next() * bound);
    },
    fillNormal(target: Float32Array, std = 1, mean = 0): Float32Array {
      // The same values as calling normal() per element, in pairs with the
      // state in a local: about 1.4x faster (Math.log/cos/sin dominate).
      const length = target.length;
      let i = 0;
      if (spareNormal !== undefined && length > 0) target[i++] = mean + std * normal();
      let local = state;
      const uniform = (): number => {
        local = (local + golden) | 0;
        return mix(local) / twoTo32;
      };
      for (; i + 1 < length; i += 2) {
        const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
        const angle = 2 * Math.PI * uniform();
        target[i] = mean + std * (radius * Math.cos(angle));
        target[i + 1] = mean + std * (radius * Math.sin(angle));
      }
      state = local;
      if (i < length) target[i] = mean + std * normal();
      return target;
    },
    fork(label: string): Rng {
      return createRng(`${seedBits}/${label}`);
    },
  };
}

/** The Weyl step of the generator's state. */
const golden = 0x9e3779b9;

/** The generator's output for a state: a 32-bit finalizer (two xor-shift-multiply rounds). */
function mix(state: number): number {
  let z = state ^ (state >>> 16);
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** FNV-1a over the UTF-16 code units: tiny, stable, good enough to spread seeds. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
