import { PioError } from '@pio/core';

const marker = 'pio.error.TensorShapeError';
const symbol = Symbol.for(marker);

/** A tensor's shape in the weights disagrees with the shape its `config.json` implies. */
export class TensorShapeError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The `.safetensors` file holding the tensor. */
  readonly file: string;

  /** The tensor. */
  readonly tensor: string;

  /** Its shape in the file. */
  readonly found: readonly number[];

  /** The shape `config.json` implies. */
  readonly expected: readonly number[];

  /** Builds the error; the message gives both shapes. */
  constructor(options: { file: string; tensor: string; found: readonly number[]; expected: readonly number[] }) {
    const { file, tensor, found, expected } = options;
    super({
      code: 'PIO_WEIGHTS_SHAPE_MISMATCH',
      message: `Tensor "${tensor}" in ${file} has shape [${found.join(', ')}] but [${expected.join(', ')}] was expected: the checkpoint does not match its config.json.`,
      hint: 'Use the config.json that came with these weights, or re-export the checkpoint with save_pretrained so weights and config agree.',
    });
    this.name = 'TensorShapeError';
    this.file = file;
    this.tensor = tensor;
    this.found = found;
    this.expected = expected;
  }

  /** True when `error` is a TensorShapeError from any installed copy of `@pio/safetensors`. */
  static override isInstance(error: unknown): error is TensorShapeError {
    return PioError.hasMarker(error, marker);
  }
}
