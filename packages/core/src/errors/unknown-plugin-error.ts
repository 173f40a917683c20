import { PioError } from './pio-error.js';

const marker = 'pio.error.UnknownPluginError';
const symbol = Symbol.for(marker);

/** No registered plugin has the requested name. */
export class UnknownPluginError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The name that was asked for. */
  readonly pluginName: string;
  /** Names of the plugins that are registered. */
  readonly installed: readonly string[];

  /** Builds the error; the message lists the installed plugins. */
  constructor(options: { pluginName: string; installed: readonly string[] }) {
    const list = options.installed.length > 0 ? options.installed.join(', ') : 'none';
    super({
      code: 'PIO_PLUGIN_UNKNOWN',
      message: `Unknown model plugin "${options.pluginName}". Installed plugins: ${list}.`,
      hint: `Install it (for example \`pnpm add ${options.pluginName}\`) or pick one of the installed plugins.`,
    });
    this.name = 'UnknownPluginError';
    this.pluginName = options.pluginName;
    this.installed = options.installed;
  }

  /** True when `error` is an UnknownPluginError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is UnknownPluginError {
    return PioError.hasMarker(error, marker);
  }
}
