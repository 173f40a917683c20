import { describe, expect, it } from 'vitest';
import { defaultLoadConditions, processConditions } from './process-conditions.js';

describe('processConditions', () => {
  it('reads every spelling of --conditions, in order', () => {
    expect(
      processConditions(['--conditions=a', '--inspect', '--conditions', 'b', '-C', 'c', '--import', 'tsx']),
    ).toEqual(['a', 'b', 'c']);
  });

  it('ignores a trailing flag without a value', () => {
    expect(processConditions(['--conditions'])).toEqual([]);
    expect(processConditions([])).toEqual([]);
  });

  it('ends the default load conditions with import and default', () => {
    // Vitest workers run with --conditions=@pio/source (tooling/vitest-preset).
    expect(defaultLoadConditions()).toEqual([...processConditions(), 'import', 'default']);
    expect(defaultLoadConditions()).toContain('@pio/source');
  });
});
