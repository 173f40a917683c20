import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { xxh3 } from '@node-rs/xxhash';

/** The size and content hash of one file of a build, as recorded in `build.json`. */
export interface BuildFileChecksum {
  /** Bytes. */
  size: number;
  /** XXH3-64 of the whole file, 16 hex digits. */
  xxh3: string;
}

const chunkBytes = 8 * 1024 * 1024;

/**
 * XXH3-64 of a whole file, as 16 hex digits. Streams in 8 MiB chunks through
 * one buffer (memory does not grow with the file). Non-cryptographic: it
 * catches damage (truncation, zeroed or random bytes), not a forger.
 * Measured ~0.22 s per GB from the page cache (read included).
 */
export async function hashFile(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const hasher = xxh3.Xxh3.withSeed();
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, position);
      if (bytesRead === 0) break;
      hasher.update(bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return hasher.digest().toString(16).padStart(16, '0');
  } finally {
    await handle.close();
  }
}

/** Every regular file under `dir` (recursively), as `/`-separated paths relative to it, sorted. */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) names.push(...(await listFiles(join(dir, entry.name), `${prefix}${entry.name}/`)));
    else if (entry.isFile()) names.push(`${prefix}${entry.name}`);
  }
  return names.sort();
}

/** Checksums of `names` (paths relative to `dir`), by name. */
export async function checksumFiles(dir: string, names: readonly string[]): Promise<Record<string, BuildFileChecksum>> {
  const files: Record<string, BuildFileChecksum> = {};
  for (const name of names) {
    const file = join(dir, name);
    files[name] = { size: (await stat(file)).size, xxh3: await hashFile(file) };
  }
  return files;
}

/**
 * Computes the XXH3-64 digests of files, in order: {@link hashFilesHere}, or
 * `hashFilesInWorker` on a worker thread.
 */
export type HashFiles = (files: readonly string[]) => Promise<string[]>;

/** {@link HashFiles} on this thread, one file after another ({@link hashFile}). */
export async function hashFilesHere(files: readonly string[]): Promise<string[]> {
  const digests: string[] = [];
  for (const file of files) digests.push(await hashFile(file));
  return digests;
}

/**
 * What is wrong with the listing of `dir` against `expected`, or `undefined`:
 * a file missing, unrecorded, or of another size than recorded. Reads no
 * file's content, so a truncated or missing file is found without hashing
 * (the build cache runs {@link findHashMismatch} after it).
 *
 * @param ignore names under `dir` that are not part of the build (`build.json`).
 */
export async function findListingMismatch(
  dir: string,
  expected: Record<string, BuildFileChecksum>,
  ignore: readonly string[] = [],
): Promise<string | undefined> {
  const present = (await listFiles(dir)).filter((name) => !ignore.includes(name));
  const unrecorded = present.filter((name) => !Object.hasOwn(expected, name));
  if (unrecorded.length > 0) return `${unrecorded[0]} is not recorded in build.json`;
  for (const name of Object.keys(expected).sort()) {
    if (!present.includes(name)) return `${name} is missing`;
    const { size } = await stat(join(dir, name));
    if (size !== expected[name]!.size) return `${name} has ${size} bytes instead of ${expected[name]!.size}`;
  }
  return undefined;
}

/**
 * The first file of `expected` (by name) whose XXH3-64 differs from the
 * recorded one, or `undefined` when all match.
 *
 * @param hashFiles how to hash (default {@link hashFilesHere})
 * @throws the file system error of a file that cannot be read
 */
export async function findHashMismatch(
  dir: string,
  expected: Record<string, BuildFileChecksum>,
  hashFiles: HashFiles = hashFilesHere,
): Promise<string | undefined> {
  const names = Object.keys(expected).sort();
  const digests = await hashFiles(names.map((name) => join(dir, name)));
  const index = names.findIndex((name, at) => digests[at] !== expected[name]!.xxh3);
  return index < 0 ? undefined : `${names[index]} does not match its checksum`;
}
