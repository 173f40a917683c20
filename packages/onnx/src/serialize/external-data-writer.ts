import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExternalDataError } from './external-data-error.js';
import { alignedOffset } from './plan-external-data.js';

/**
 * Where a `GraphBuilder` created with `externalData` streams its weights: every
 * initializer of at least `thresholdBytes` is written to `<dir>/<dataFile>` the
 * moment it is added, and only its offset stays in memory. Save the graph into
 * the same `dir` (`graph.save(dir, { modelFile })`).
 */
export interface StreamedExternalData {
  /** The folder the model will be saved into (created when missing); the side file goes there now. */
  dir: string;
  /** Side file name inside `dir`. Default `model.onnx_data`; use `<modelFile>_data` to match `save`'s default. */
  dataFile?: string;
  /** Initializers smaller than this stay in memory and go inline. Default 1024 bytes, as in `save`. */
  thresholdBytes?: number;
  /** Tensors of at least this many bytes start at a multiple of 64 KiB. Default 1 MiB, as in `save`. */
  alignThresholdBytes?: number;
}

/** Where one streamed tensor lies in the side file. */
export interface ExternalPlacement {
  /** Byte offset in the side file. */
  readonly offset: number;
  /** Byte length. */
  readonly length: number;
}

// writeSync takes at most 2 GiB - 1 bytes per call.
const maxWriteBytes = 1 << 30;

/**
 * Writes tensors one by one into an ONNX external-data side file at the
 * offsets `planExternalData` would give them in the same order (so a streamed
 * build and an in-memory save give the same bytes), with synchronous
 * positioned writes: callers stay synchronous and nothing is buffered.
 * Alignment gaps are left as holes, which read back as zeros.
 */
export class ExternalDataWriter {
  /** The folder holding the side file (absolute). */
  readonly dir: string;
  /** Side file name inside {@link ExternalDataWriter.dir}. */
  readonly dataFile: string;
  /** Full path of the side file. */
  readonly path: string;
  /** Tensors smaller than this are not written (they stay inline). */
  readonly thresholdBytes: number;
  /** From this size on, tensors are 64 KiB aligned. */
  readonly alignThresholdBytes: number;

  private fd: number | undefined;
  private end = 0;
  private written = 0;

  /**
   * Creates (or truncates) the side file.
   *
   * @param options folder, file name and placement thresholds
   * @throws {ExternalDataError} when the folder or the file cannot be created
   */
  constructor(options: StreamedExternalData) {
    this.dir = resolve(options.dir);
    this.dataFile = options.dataFile ?? 'model.onnx_data';
    this.path = join(this.dir, this.dataFile);
    this.thresholdBytes = options.thresholdBytes ?? 1024;
    this.alignThresholdBytes = options.alignThresholdBytes ?? 1024 * 1024;
    try {
      mkdirSync(this.dir, { recursive: true });
      this.fd = openSync(this.path, 'w');
    } catch (cause) {
      throw new ExternalDataError({ file: this.path, reason: (cause as Error).message, cause });
    }
  }

  /** Size of the side file so far: the end of the last tensor written. */
  get dataBytes(): number {
    return this.end;
  }

  /** How many tensors were written. */
  get tensorCount(): number {
    return this.written;
  }

  /** False once {@link ExternalDataWriter.close} ran. */
  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /**
   * Writes `bytes` at the next aligned offset when it reaches the threshold.
   *
   * @param tensor the tensor's name, for errors
   * @param bytes the tensor's little-endian bytes
   * @returns where they went, or `undefined` for a tensor under the threshold (the caller keeps it inline)
   * @throws {ExternalDataError} when the writer is closed or the write fails
   */
  write(tensor: string, bytes: Uint8Array): ExternalPlacement | undefined {
    const length = bytes.byteLength;
    if (length < this.thresholdBytes) return undefined;
    const fd = this.fd;
    if (fd === undefined) {
      throw new ExternalDataError({
        file: this.path,
        tensor,
        reason: 'the file is closed: the graph was saved or closed already',
        hint: 'Add every initializer before graph.save(); build a new GraphBuilder for another model.',
      });
    }
    const offset = alignedOffset(this.end, length, this.alignThresholdBytes);
    try {
      let done = 0;
      while (done < length) {
        done += writeSync(fd, bytes, done, Math.min(length - done, maxWriteBytes), offset + done);
      }
    } catch (cause) {
      throw new ExternalDataError({
        file: this.path,
        tensor,
        reason: `writing ${length} bytes at offset ${offset} failed: ${(cause as Error).message}`,
        cause,
      });
    }
    this.end = offset + length;
    this.written += 1;
    return { offset, length };
  }

  /**
   * Closes the file; further writes throw. Safe to call more than once.
   *
   * @param removeWhenEmpty delete the file when no tensor was written (a save with only small tensors has no side file)
   */
  close(removeWhenEmpty = false): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
    if (removeWhenEmpty && this.written === 0) rmSync(this.path, { force: true });
  }
}
