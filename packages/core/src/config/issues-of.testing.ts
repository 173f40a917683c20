import { expect } from 'vitest';
import { ConfigError } from '../errors/config-error.js';

/** The issues of the ConfigError thrown by `build`, as [field, value, rule] rows (for the config tests). */
export function issuesOf(build: () => unknown): Array<[string, unknown, string]> {
  try {
    build();
  } catch (error) {
    expect(ConfigError.isInstance(error)).toBe(true);
    return (error as ConfigError).issues.map((issue) => [issue.field, issue.value, issue.rule]);
  }
  throw new Error('expected a ConfigError');
}
