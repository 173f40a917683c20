import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** What a downloaded file is checked against: its size, and the sha256 (LFS) or git blob id (small files) when known. */
export interface ExpectedContent {
  /** Size in bytes. */
  size: number | undefined;
  /** SHA-256 of the content (hex). */
  sha256: string | undefined;
  /** Git blob id: SHA-1 of `blob <size>\0<content>` (hex). */
  gitBlobId: string | undefined;
}

/**
 * A running hash of a file being downloaded: SHA-256 when the hub lists one,
 * else the git blob SHA-1 when the size and blob id are known, else none
 * (then only the size is checked).
 */
export class FileDigest {
  private hash: Hash | undefined;
  /** Bytes hashed so far. */
  bytes = 0;

  constructor(private readonly expected: ExpectedContent) {
    this.reset();
  }

  /** The algorithm in use, for messages. */
  get algorithm(): 'sha256' | 'git-sha1' | undefined {
    if (this.expected.sha256) return 'sha256';
    return this.expected.gitBlobId && this.expected.size !== undefined ? 'git-sha1' : undefined;
  }

  /** Starts over from zero bytes. */
  reset(): void {
    this.bytes = 0;
    const algorithm = this.algorithm;
    this.hash = algorithm === 'sha256' ? createHash('sha256') : algorithm ? createHash('sha1') : undefined;
    if (algorithm === 'git-sha1') this.hash!.update(`blob ${this.expected.size}\0`);
  }

  /** Adds the next bytes. */
  update(chunk: Uint8Array): void {
    this.hash?.update(chunk);
    this.bytes += chunk.length;
  }

  /** Starts over and hashes the first `length` bytes of `file` (a partial download being resumed), streamed. */
  async hashExisting(file: string, length: number): Promise<void> {
    this.reset();
    if (length === 0) return;
    for await (const chunk of createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) {
      this.update(chunk as Buffer);
    }
  }

  /**
   * Compares the digest with the expected one.
   *
   * @returns `undefined` when it matches (or there is nothing to compare), else `{expected, actual}`.
   */
  mismatch(): { expected: string; actual: string } | undefined {
    const algorithm = this.algorithm;
    if (!algorithm || !this.hash) return undefined;
    const actual = this.hash.digest('hex');
    const expected = (algorithm === 'sha256' ? this.expected.sha256 : this.expected.gitBlobId)!;
    return actual === expected ? undefined : { expected, actual };
  }
}
