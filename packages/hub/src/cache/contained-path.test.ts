import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DownloadError } from '../errors/download-error.js';
import { containedPath, isInside } from './contained-path.js';

const root = resolve('/cache/models/o/n');

describe('isInside', () => {
  it('is true only strictly inside the folder, after resolving the path', () => {
    expect(isInside(root, join(root, 'snapshots', 'abc', 'config.json'))).toBe(true);
    expect(isInside(root, join(root, '..foo'))).toBe(true);
    expect(isInside(root, root)).toBe(false);
    expect(isInside(root, join(root, 'snapshots', '..', '..'))).toBe(false);
    expect(isInside(root, `${root}-other/x`)).toBe(false);
    expect(isInside(root, join(root, 'snapshots', '../../../../../tmp/x'))).toBe(false);
    expect(isInside(root, '/tmp/x')).toBe(false);
  });
});

describe('containedPath', () => {
  it('returns the path inside, else throws a protocol error naming the path, the folder and the repository', () => {
    const inside = join(root, 'refs', 'main');
    expect(containedPath(root, inside, { repo: 'o/n', revision: 'main' })).toBe(inside);
    try {
      containedPath(root, join(root, '..', 'x'), { repo: 'o/n', revision: 'main', file: 'x' });
      expect.unreachable();
    } catch (error) {
      expect(DownloadError.isInstance(error)).toBe(true);
      const typed = error as DownloadError;
      expect([typed.code, typed.repo, typed.file]).toEqual(['PIO_HUB_PROTOCOL', 'o/n', 'x']);
      expect(typed.message).toContain(
        `Refusing to write ${resolve(root, '..', 'x')}: it is outside the model's cache folder ${root}`,
      );
    }
  });
});
