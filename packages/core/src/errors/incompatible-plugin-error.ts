import { PioError } from './pio-error.js';

const marker = 'pio.error.IncompatiblePluginError';
const symbol = Symbol.for(marker);

/** One requirement of a plugin's `compatibility` that this host does not meet. */
export interface CompatibilityIssue {
  /** Which requirement: `core`, `node`, `onnxruntime` or `minMemoryGb`. */
  requirement: string;
  /** What the plugin asks for (a semver range or a number). */
  required: string;
  /** What this host has. */
  found: string;
}

/** A plugin's manifest asks for versions or resources this host does not have. */
export class IncompatiblePluginError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The incompatible package. */
  readonly packageName: string;
  /** Its package.json. */
  readonly file: string;
  /** Every unmet requirement. */
  readonly issues: readonly CompatibilityIssue[];

  /** Builds the error and its message from the unmet requirements; `hint` replaces the default advice. */
  constructor(options: { packageName: string; file: string; issues: readonly CompatibilityIssue[]; hint?: string }) {
    const lines = options.issues.map(
      (issue) => `  - ${issue.requirement}: needs ${issue.required}, found ${issue.found}`,
    );
    super({
      code: 'PIO_PLUGIN_INCOMPATIBLE',
      message: `Plugin ${options.packageName} (${options.file}) is not compatible with this host:\n${lines.join('\n')}`,
      hint: options.hint ?? `Install a version of ${options.packageName} made for this host, or upgrade what it asks for.`,
    });
    this.name = 'IncompatiblePluginError';
    this.packageName = options.packageName;
    this.file = options.file;
    this.issues = options.issues;
  }

  /** True when `error` is an IncompatiblePluginError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is IncompatiblePluginError {
    return PioError.hasMarker(error, marker);
  }
}
