import { describe, expect, it } from 'vitest';
import { renderTemplate } from './render-template.js';

describe('renderTemplate', () => {
  it('replaces every placeholder, also inside identifiers and paths', () => {
    const values = { Pascal: 'GptNeox', name: 'gpt-neox' };
    expect(renderTemplate('export const create__Pascal__Plugin = "__name__";', values)).toBe(
      'export const createGptNeoxPlugin = "gpt-neox";',
    );
    expect(renderTemplate('benchmarks/__name__.bench.ts', values)).toBe('benchmarks/gpt-neox.bench.ts');
    expect(renderTemplate('no placeholders, not even _x_ or __ alone', values)).toBe(
      'no placeholders, not even _x_ or __ alone',
    );
  });

  it('names an unknown placeholder and the template it is in', () => {
    expect(() => renderTemplate('a __missing__ b', {}, 'src/plugin.ts.tpl')).toThrow(
      'src/plugin.ts.tpl: unknown placeholder __missing__',
    );
    expect(() => renderTemplate('__toString__', {})).toThrow('unknown placeholder __toString__');
  });
});
