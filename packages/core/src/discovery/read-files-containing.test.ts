import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/helpers/plugin-package-json.js';
import { readFilesContaining } from './read-files-containing.js';

let root: string;

beforeAll(() => {
  root = makeTempDir('pio-read-files-');
  writeFileSync(join(root, 'plugin.json'), '{"name":"p","pio":{}}');
  writeFileSync(join(root, 'other.json'), '{"name":"o","keywords":["pi","o"]}');
  writeFileSync(join(root, 'empty.json'), '');
  // Bigger than the starting buffer, needle at the very end, non-ASCII text before it.
  writeFileSync(join(root, 'big.json'), `{"description":"${'é'.repeat(100_000)}","pio":1}`);
  mkdirSync(join(root, 'folder.json'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('readFilesContaining', () => {
  it('returns the text of matching files, undefined for the rest, in order', async () => {
    const names = ['plugin.json', 'other.json', 'missing.json', 'big.json', 'folder.json', 'empty.json', 'plugin.json'];
    const texts = await readFilesContaining(
      names.map((name) => join(root, name)),
      '"pio"',
    );
    const plugin = '{"name":"p","pio":{}}';
    const big = `{"description":"${'é'.repeat(100_000)}","pio":1}`;
    expect(texts).toEqual([plugin, undefined, undefined, big, undefined, undefined, plugin]);
  });

  it('reads more files than one batch', async () => {
    const paths = Array.from({ length: 150 }, (_, index) => join(root, index % 2 === 0 ? 'plugin.json' : 'other.json'));
    const texts = await readFilesContaining(paths, '"pio"');
    expect(texts.filter((text) => text !== undefined)).toHaveLength(75);
    expect(texts[148]).toBe('{"name":"p","pio":{}}');
    expect(texts[149]).toBeUndefined();
  });

  it('returns an empty list for no paths', async () => {
    expect(await readFilesContaining([], '"pio"')).toEqual([]);
  });
});
