import { describe, expect, it } from 'vitest';
import { DownloadError } from '../errors/download-error.js';
import { checkCommit, checkRevision, isCommitSha, isRevisionName } from './revision.js';

const sha = 'a'.repeat(40);
const context = { repo: 'o/n', revision: 'main', url: 'http://127.0.0.1/api' };
const thrown = (run: () => unknown): DownloadError => {
  try {
    run();
  } catch (error) {
    if (DownloadError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a DownloadError');
};

describe('isRevisionName', () => {
  it('accepts branches, tags, shas and hub refs', () => {
    for (const name of [
      'main',
      'v1.0',
      'feature/x-y_z',
      'refs/pr/1',
      'refs/convert/parquet',
      sha,
      'abc1234',
      'release-2024.01',
    ]) {
      expect(isRevisionName(name), name).toBe(true);
    }
  });

  it('refuses names that climb out of a folder or that git refuses', () => {
    const bad = [
      '',
      '.',
      '..',
      '../x',
      'a/../b',
      'refs/pr/..',
      '/main',
      'main/',
      'a//b',
      'a\\b',
      'a\0b',
      'a\nb',
      '.hidden',
      'a/.b',
      'x.lock',
      'a b',
      'a..b',
      'v1.',
      '@',
      'a@{1}',
      'a:b',
      'a~1',
      'a^',
      'a?',
      'a*',
      'a[1',
      'x'.repeat(256),
    ];
    for (const name of bad) expect(isRevisionName(name), JSON.stringify(name)).toBe(false);
  });
});

describe('checkRevision', () => {
  it('throws a usage error naming the revision and the repository', () => {
    expect(checkRevision('refs/pr/1', 'o/n')).toBe('refs/pr/1');
    const error = thrown(() => checkRevision('..', 'o/n'));
    expect([error.code, error.reason, error.repo]).toEqual(['PIO_HUB_USAGE', 'usage', 'o/n']);
    expect(error.message).toMatch(/^"\.\." is not a revision name of o\/n/);
    expect(error.hint).toContain('--revision');
  });
});

describe('checkCommit', () => {
  it('takes 40 lowercase hex digits only', () => {
    expect(isCommitSha(sha)).toBe(true);
    expect(checkCommit(sha, context)).toBe(sha);
    for (const value of [
      '../../../../tmp/x',
      '/tmp/x',
      'A'.repeat(40),
      'a'.repeat(39),
      'a'.repeat(41),
      `${'a'.repeat(39)}/`,
      42,
      null,
    ]) {
      const error = thrown(() => checkCommit(value, context));
      expect([error.code, error.repo, error.url], String(value)).toEqual(['PIO_HUB_PROTOCOL', 'o/n', context.url]);
      expect(error.message).toContain(`${JSON.stringify(value)} for revision "main" of o/n`);
    }
  });

  it('must be the commit asked for when the revision is a full sha', () => {
    expect(checkCommit(sha, { ...context, revision: sha })).toBe(sha);
    const error = thrown(() => checkCommit('b'.repeat(40), { ...context, revision: sha }));
    expect(error.message).toContain(`Asked for commit ${sha} of o/n, the hub answered commit ${'b'.repeat(40)}`);
  });
});
