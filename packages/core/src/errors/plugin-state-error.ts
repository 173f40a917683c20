import { PioError } from './pio-error.js';

const marker = 'pio.error.PluginStateError';
const symbol = Symbol.for(marker);

/** A plugin method was called in a state that does not allow it (for example `infer` before `initialize`). */
export class PluginStateError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The plugin (package name). */
  readonly pluginName: string;

  /** Builds the error; `reason` says what was called and why it cannot run now. */
  constructor(options: { pluginName: string; reason: string; hint?: string }) {
    super({
      code: 'PIO_PLUGIN_STATE',
      message: `${options.pluginName}: ${options.reason}`,
      hint: options.hint ?? 'Call initialize() first, and do not use a plugin after cleanup().',
    });
    this.name = 'PluginStateError';
    this.pluginName = options.pluginName;
  }

  /** True when `error` is a PluginStateError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is PluginStateError {
    return PioError.hasMarker(error, marker);
  }
}
