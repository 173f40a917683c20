import { PioError } from './pio-error.js';

const marker = 'pio.error.PluginLoadError';
const symbol = Symbol.for(marker);

/**
 * A plugin's code could not be loaded: its entry point is missing, does not
 * export the declared factory, the factory threw, or it returned something
 * that is not a plugin of a supported specification version.
 */
export class PluginLoadError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The package that failed. */
  readonly packageName: string;
  /** The file involved (entry module or package.json). */
  readonly file: string;

  /** Builds the error; `reason` says what went wrong. */
  constructor(options: { packageName: string; file: string; reason: string; hint?: string; cause?: unknown }) {
    super({
      code: 'PIO_PLUGIN_LOAD_FAILED',
      message: `Could not load plugin ${options.packageName} from ${options.file}: ${options.reason}`,
      hint: options.hint ?? `Check the "pio.entryPoint" of ${options.packageName}'s package.json and that the package is built.`,
      cause: options.cause,
    });
    this.name = 'PluginLoadError';
    this.packageName = options.packageName;
    this.file = options.file;
  }

  /** True when `error` is a PluginLoadError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is PluginLoadError {
    return PioError.hasMarker(error, marker);
  }
}
