import { PioError } from './pio-error.js';

const marker = 'pio.error.ManifestError';
const symbol = Symbol.for(marker);

/** One problem in a `pio` manifest. */
export interface ManifestIssue {
  /** Dotted path inside package.json, for example `pio.compatibility.core`. */
  path: string;
  /** What is wrong with it. */
  message: string;
}

/**
 * A model package's `pio` manifest (in its package.json) is missing, not
 * JSON, or breaks the schema. Lists every problem with its key path.
 */
export class ManifestError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The package whose manifest is broken (its folder name when package.json is unreadable). */
  readonly packageName: string;
  /** Absolute path of the package.json. */
  readonly file: string;
  /** Every problem found. */
  readonly issues: readonly ManifestIssue[];

  /** Builds the error and its message from the list of issues; `hint` replaces the default advice. */
  constructor(options: {
    packageName: string;
    file: string;
    issues: readonly ManifestIssue[];
    hint?: string;
    cause?: unknown;
  }) {
    const lines = options.issues.map((issue) => `  - ${issue.path}: ${issue.message}`);
    super({
      code: 'PIO_MANIFEST_INVALID',
      message: `Invalid pio manifest in ${options.packageName} (${options.file}):\n${lines.join('\n')}`,
      hint: options.hint ?? 'Fix the "pio" key of that package.json (see docs/model-authors.md), or uninstall the package.',
      cause: options.cause,
    });
    this.name = 'ManifestError';
    this.packageName = options.packageName;
    this.file = options.file;
    this.issues = options.issues;
  }

  /** True when `error` is a ManifestError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is ManifestError {
    return PioError.hasMarker(error, marker);
  }
}
