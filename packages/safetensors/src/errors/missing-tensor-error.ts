import { PioError } from '@pio/core';

const marker = 'pio.error.MissingTensorError';
const symbol = Symbol.for(marker);

/** A tensor was asked for that the file or checkpoint does not hold. */
export class MissingTensorError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The file or checkpoint folder that was searched. */
  readonly file: string;

  /** The tensor asked for. */
  readonly tensor: string;

  /** Names it does hold that look like `tensor`, closest first (at most a few). */
  readonly similar: readonly string[];

  /** Builds the error; the message lists `similar` or says there is nothing close. */
  constructor(options: { file: string; tensor: string; similar: readonly string[]; tensorCount: number }) {
    const { file, tensor, similar, tensorCount } = options;
    const nearby =
      similar.length > 0
        ? `Tensors with a similar name: ${similar.map((name) => `"${name}"`).join(', ')}.`
        : `None of its ${tensorCount} tensors has a similar name.`;
    super({
      code: 'PIO_WEIGHTS_MISSING_TENSOR',
      message: `Tensor "${tensor}" is not in ${file}. ${nearby}`,
      hint: 'Check that the checkpoint is the architecture the model expects; if it is, it is incomplete: re-download it or re-export it with save_pretrained.',
    });
    this.name = 'MissingTensorError';
    this.file = file;
    this.tensor = tensor;
    this.similar = similar;
  }

  /** True when `error` is a MissingTensorError from any installed copy of `@pio/safetensors`. */
  static override isInstance(error: unknown): error is MissingTensorError {
    return PioError.hasMarker(error, marker);
  }
}
