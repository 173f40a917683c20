import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh temporary folder, removed after the test file's last test. */
export async function temporaryFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pio-safetensors-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Writes a safetensors file byte by byte, so tests can build files our
 * writer never would: any header text, any declared header length.
 */
export async function writeRawSafetensors(
  path: string,
  header: Record<string, unknown> | string,
  data: Uint8Array = new Uint8Array(0),
  declaredHeaderLength?: bigint,
): Promise<void> {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, declaredHeaderLength ?? BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  await writeFile(path, bytes);
}

/** Deterministic pseudo-random float32 values in [-1, 1) (a 32-bit xorshift). */
export function randomValues(count: number, seed = 1): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** The bit patterns of float32 values, for exact comparisons (NaN included). */
export function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** True when two float32 arrays hold the same bits; fast on millions of values, unlike toEqual. */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
