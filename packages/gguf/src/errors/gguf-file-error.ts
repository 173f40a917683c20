import { PioError } from '@pio/core';

const marker = 'pio.error.GgufFileError';
const symbol = Symbol.for(marker);

/**
 * What is wrong with a GGUF file, so callers can react without parsing the
 * message:
 * - `not-gguf`: bad magic bytes; `version`: a GGUF version other than 2 or 3;
 * - `truncated`: the header runs past the end of the file;
 * - `tensor-out-of-bounds`: a tensor's data runs past the end of its file;
 * - `misaligned`: a tensor's data offset is not a multiple of `general.alignment`;
 * - `unknown-tensor-type`: a ggml type PIO does not read (an IQ quant, say);
 * - `bad-shape`: a tensor whose shape does not hold whole blocks of its type;
 * - `bad-metadata`: a metadata value that cannot be decoded;
 * - `metadata-type`: a key holding another type than the one asked for;
 * - `missing-metadata`: a required key is absent;
 * - `missing-tensor`: no tensor of that name;
 * - `missing-tokenizer`: no `tokenizer.ggml.*` vocabulary, or one of a kind PIO cannot build;
 * - `split`: shards of a split file missing or inconsistent;
 * - `io`: the file cannot be opened, read or written;
 * - `bad-data`: tensor bytes that do not fit their type and shape (a writer's mistake).
 */
export type GgufErrorKind =
  | 'not-gguf'
  | 'version'
  | 'truncated'
  | 'tensor-out-of-bounds'
  | 'misaligned'
  | 'unknown-tensor-type'
  | 'bad-shape'
  | 'bad-metadata'
  | 'metadata-type'
  | 'missing-metadata'
  | 'missing-tensor'
  | 'missing-tokenizer'
  | 'split'
  | 'io'
  | 'bad-data';

/**
 * A GGUF file cannot be read or written as asked: bad magic or version, a
 * truncated header, metadata of the wrong type, a tensor whose type or shape
 * does not fit, data past the end of the file. The message names the file and
 * the tensor or metadata key at fault; {@link GgufFileError.kind} says which
 * case it is.
 */
export class GgufFileError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The file at fault. */
  readonly file: string;

  /** The tensor or metadata key at fault, when there is one. */
  readonly entry: string | undefined;

  /** Which kind of problem it is. */
  readonly kind: GgufErrorKind;

  /** Builds the error; `reason` says what is wrong with `file` (and `entry`). */
  constructor(options: {
    file: string;
    entry?: string;
    reason: string;
    kind?: GgufErrorKind;
    hint?: string;
    cause?: unknown;
  }) {
    const where = options.entry === undefined ? options.file : `${options.file}, "${options.entry}"`;
    super({
      code: 'PIO_GGUF_INVALID',
      message: `Invalid GGUF in ${where}: ${options.reason}`,
      hint:
        options.hint ?? 'Re-download the file, or convert the checkpoint again with llama.cpp’s convert_hf_to_gguf.py.',
      cause: options.cause,
    });
    this.name = 'GgufFileError';
    this.file = options.file;
    this.entry = options.entry;
    this.kind = options.kind ?? 'bad-metadata';
  }

  /** True when `error` is a GgufFileError from any installed copy of `@pio/gguf`. */
  static override isInstance(error: unknown): error is GgufFileError {
    return PioError.hasMarker(error, marker);
  }
}
