import { PioError } from './pio-error.js';

const marker = 'pio.error.ConfigError';
const symbol = Symbol.for(marker);

/** One field of a configuration that broke a rule. */
export interface ConfigIssue {
  /** The field, in our camelCase naming (for example `numKeyValueHeads`). */
  field: string;
  /** The value it got. */
  value: unknown;
  /** The rule it broke, in words. */
  rule: string;
}

/**
 * A configuration is invalid. Lists every offending field at once, each with
 * the value it got and the rule it broke.
 */
export class ConfigError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** Every problem found, in field order. */
  readonly issues: readonly ConfigIssue[];

  /** Name of the config class that rejected the values (for example `LlamaConfig`). */
  readonly configName: string;

  /** Where the values came from (a `config.json` path), when known. */
  readonly source: string | undefined;

  /** Builds the error and its message from the list of issues. */
  constructor(options: { configName: string; issues: readonly ConfigIssue[]; source?: string; cause?: unknown }) {
    const { configName, issues, source } = options;
    const where = source ? ` (from ${source})` : '';
    const lines = issues.map((issue) => `  - ${issue.field} = ${formatValue(issue.value)}: ${issue.rule}`);
    super({
      code: 'PIO_CONFIG_INVALID',
      message: `Invalid ${configName}${where}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`,
      hint: source
        ? `Fix these values in ${source}, or override them in the options you pass.`
        : 'Fix these values in the options you pass.',
      cause: options.cause,
    });
    this.name = 'ConfigError';
    this.issues = issues;
    this.configName = configName;
    this.source = source;
  }

  /** True when `error` is a ConfigError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is ConfigError {
    return PioError.hasMarker(error, marker);
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
