import { PioError } from './pio-error.js';

const marker = 'pio.error.NotATextModelError';
const symbol = Symbol.for(marker);

/** The plugin chosen for a checkpoint is not a text model (it has no `tokenize`/`detokenize`/`generateText`). */
export class NotATextModelError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The plugin package. */
  readonly pluginName: string;
  /** The checkpoint it was chosen for. */
  readonly checkpoint: string;

  /** Builds the error for `pluginName`, chosen for `checkpoint`. */
  constructor(options: { pluginName: string; checkpoint: string }) {
    super({
      code: 'PIO_NOT_A_TEXT_MODEL',
      message: `${options.pluginName} (chosen for ${options.checkpoint}) is not a text model plugin: it has no tokenize/detokenize/generateText.`,
      hint: 'Use a text model checkpoint, or install a text model plugin that declares its architecture (pio list shows what is installed).',
    });
    this.name = 'NotATextModelError';
    this.pluginName = options.pluginName;
    this.checkpoint = options.checkpoint;
  }

  /** True when `error` is a NotATextModelError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is NotATextModelError {
    return PioError.hasMarker(error, marker);
  }
}
