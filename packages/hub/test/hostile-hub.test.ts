import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, type PullOptions, pullModel, type SnapshotManifest } from '../src/index.js';
import { type HubTestServer, startHubTestServer } from '../src/testing/index.js';
import { commitOf, writeSafetensorsRepo } from './fixtures.js';

// A hub (or HF_ENDPOINT mirror, or anyone on an http path) that answers what it likes: nothing it says may place a
// file outside <cache>/models/<owner>/<name>, hang the pull, or loop it; files it gives no hash for are not "verified".

let root: string;
let hub: HubTestServer;
let count = 0;
const repo = 'test-org/tiny-llama';
const main = commitOf('main');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-hub-hostile-'));
  await writeSafetensorsRepo(join(root, 'src', 'main'), 1);
  hub = await startHubTestServer({
    repos: {
      [repo]: {
        revisions: {
          main: { commit: main, dir: join(root, 'src', 'main') },
          'refs/pr/1': { commit: commitOf('pr1'), dir: join(root, 'src', 'main') },
        },
      },
    },
  });
});
afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  for (const key of Object.keys(hub.faults) as (keyof typeof hub.faults)[]) delete hub.faults[key];
});

const fresh = () => {
  const n = count++;
  return { cacheDir: join(root, `cache-${n}`), outside: join(root, `outside-${n}`) };
};
const pull = (options: PullOptions = {}) =>
  pullModel(repo, { endpoint: hub.endpoint, retryDelayMs: 1, token: '', ...options });
const caught = async (promise: Promise<unknown>): Promise<DownloadError> => {
  try {
    await promise;
  } catch (error) {
    if (DownloadError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a DownloadError');
};
/** Every file (not folder) under `dir`, relative to it. */
const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => statSync(join(dir, name)).isFile())
    : [];
const requestsSince = (before: number, path: string | RegExp = '') =>
  hub.requests
    .slice(before)
    .filter((request) => (typeof path === 'string' ? request.url.includes(path) : path.test(request.url)));
/** Requests for config.json itself (not generation_config.json), with or without a query. */
const configJson = /\/config\.json(\?|$)/;
const readManifest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, '.pio-snapshot.json'), 'utf8')) as SnapshotManifest;

describe('a hub answering a hostile commit sha', () => {
  it('refuses a sha that climbs out of the cache: nothing is downloaded or written, the error names repo, revision and sha', async () => {
    const { cacheDir, outside } = fresh();
    // From <cache>/models/test-org/tiny-llama/snapshots up to `outside`, as a hostile hub would aim it.
    const sha = relative(join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots'), outside);
    expect(sha.startsWith('../../../../../')).toBe(true);
    hub.faults.sha = sha;
    const before = hub.requests.length;
    const error = await caught(pull({ cacheDir }));
    expect([error.code, error.reason, error.repo]).toEqual(['PIO_HUB_PROTOCOL', 'protocol', repo]);
    expect(error.message).toContain(
      `The hub answered the commit ${JSON.stringify(sha)} for revision "main" of ${repo}`,
    );
    expect(requestsSince(before, '/resolve/')).toEqual([]);
    expect(existsSync(outside)).toBe(false);
    expect(filesUnder(cacheDir)).toEqual([]);
  });

  it('refuses absolute, uppercase, short, long and non-string shas the same way', async () => {
    for (const sha of [
      fresh().outside,
      `/${'a'.repeat(39)}`,
      main.toUpperCase(),
      main.slice(0, 12),
      `${main}0`,
      42,
      null,
    ]) {
      const { cacheDir } = fresh();
      hub.faults.sha = sha;
      const before = hub.requests.length;
      const error = await caught(pull({ cacheDir }));
      expect(error.code, String(sha)).toBe('PIO_HUB_PROTOCOL');
      expect(error.message).toContain(JSON.stringify(sha));
      expect(requestsSince(before, '/resolve/')).toEqual([]);
      expect(filesUnder(cacheDir)).toEqual([]);
    }
  });

  it('refuses another commit than the full sha asked for', async () => {
    const { cacheDir } = fresh();
    hub.faults.sha = commitOf('other');
    const error = await caught(pull({ cacheDir, revision: main }));
    expect(error.code).toBe('PIO_HUB_PROTOCOL');
    expect(error.message).toContain(
      `Asked for commit ${main} of ${repo}, the hub answered commit ${commitOf('other')}`,
    );
    expect(filesUnder(cacheDir)).toEqual([]);
  });
});

describe('revision names', () => {
  it('refuses --revision .. and other bad names before any request, leaving no file (no stray .tmp)', async () => {
    for (const revision of [
      '..',
      '.',
      '../../../../x',
      'refs/pr/../../..',
      '/etc/passwd',
      'main/',
      'a\\b',
      'a\0b',
      'v1 ',
    ]) {
      const { cacheDir } = fresh();
      const before = hub.requests.length;
      const error = await caught(pull({ cacheDir, revision }));
      expect([error.code, error.repo], JSON.stringify(revision)).toEqual(['PIO_HUB_USAGE', repo]);
      expect(error.message).toContain(`${JSON.stringify(revision)} is not a revision name of ${repo}`);
      expect(error.hint).toContain('--revision');
      expect(requestsSince(before)).toEqual([]);
      expect(filesUnder(cacheDir)).toEqual([]);
      expect(existsSync(cacheDir)).toBe(false);
    }
  });

  it('pulls a hub ref like refs/pr/1, its ref file kept inside refs/', async () => {
    const { cacheDir } = fresh();
    const result = await pull({ cacheDir, revision: 'refs/pr/1' });
    expect(result.commit).toBe(commitOf('pr1'));
    const modelDir = join(cacheDir, 'models', 'test-org', 'tiny-llama');
    expect(readdirSync(join(modelDir, 'refs'))).toEqual(['refs%2Fpr%2F1']);
    expect(readFileSync(join(modelDir, 'refs', 'refs%2Fpr%2F1'), 'utf8').trim()).toBe(commitOf('pr1'));
    expect(filesUnder(cacheDir).every((file) => !file.endsWith('.tmp'))).toBe(true);
  });
});

describe('timeouts', () => {
  it('gives up on a hub that never answers, after its retries, with a network error naming the timeout', async () => {
    const { cacheDir } = fresh();
    hub.faults.hang = ['api'];
    const before = hub.requests.length;
    const error = await caught(pull({ cacheDir, timeoutMs: 200, retries: 1 }));
    expect([error.code, error.repo]).toEqual(['PIO_HUB_NETWORK', repo]);
    expect(error.message).toContain(`The hub at ${hub.endpoint} did not answer within 0.2 s`);
    expect(error.hint).toContain('--timeout');
    expect(requestsSince(before, '/api/')).toHaveLength(2);
  });

  it('times out a body that stops in the middle, keeps what arrived, and resumes from it on the next pull', async () => {
    const { cacheDir } = fresh();
    hub.faults.stall = [{ path: 'model.safetensors', afterBytes: 1000, times: 1 }];
    const error = await caught(pull({ cacheDir, timeoutMs: 300, retries: 0, concurrency: 1 }));
    expect([error.code, error.file]).toEqual(['PIO_HUB_NETWORK', 'model.safetensors']);
    expect(error.message).toContain('sent nothing for 0.3 s in the middle of an answer');
    const dir = join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', main);
    const kept = statSync(join(dir, 'model.safetensors.incomplete')).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(1000);
    const result = await pull({ cacheDir });
    expect(result.files.find((file) => file.path === 'model.safetensors')!.resumedFrom).toBe(kept);
    expect(
      readFileSync(join(dir, 'model.safetensors')).equals(readFileSync(join(root, 'src', 'main', 'model.safetensors'))),
    ).toBe(true);
  });
});

describe('redirects', () => {
  const configUrl = `/${repo}/resolve/${main}/config.json`;

  it('stops a redirect to itself at once, with a protocol error that is not retried', async () => {
    const { cacheDir } = fresh();
    hub.faults.redirect = [{ path: 'config.json', location: configUrl, times: Number.POSITIVE_INFINITY }];
    const before = hub.requests.length;
    const error = await caught(pull({ cacheDir, retries: 4 }));
    expect([error.code, error.file, error.status]).toEqual(['PIO_HUB_PROTOCOL', 'config.json', 302]);
    expect(error.message).toContain(`redirected in a loop, back to ${hub.endpoint}${configUrl}`);
    expect(requestsSince(before, configJson)).toHaveLength(1);
    expect(
      existsSync(join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', main, '.pio-snapshot.json')),
    ).toBe(false);
  });

  it('follows at most 5 redirects of an endless chain of new URLs', async () => {
    const { cacheDir } = fresh();
    hub.faults.redirect = [
      { path: 'config.json', location: (hop) => `${configUrl}?hop=${hop}`, times: Number.POSITIVE_INFINITY },
    ];
    const before = hub.requests.length;
    const error = await caught(pull({ cacheDir }));
    expect(error.code).toBe('PIO_HUB_PROTOCOL');
    expect(error.message).toContain('redirected more than 5 times');
    expect(requestsSince(before, configJson)).toHaveLength(6);
  });

  it('follows a redirect to another origin without the token', async () => {
    const other = await startHubTestServer({
      repos: { [repo]: { revisions: { main: { commit: main, dir: join(root, 'src', 'main') } } } },
    });
    try {
      const { cacheDir } = fresh();
      hub.faults.redirect = [{ path: 'config.json', location: `${other.endpoint}${configUrl}`, times: 1 }];
      const before = hub.requests.length;
      const result = await pull({ cacheDir, token: 'hf_secret' });
      expect(
        readFileSync(join(result.dir, 'config.json')).equals(readFileSync(join(root, 'src', 'main', 'config.json'))),
      ).toBe(true);
      expect(requestsSince(before, configJson)[0]!.headers.authorization).toBe('Bearer hf_secret');
      expect(other.requests.map((request) => [request.url, request.headers.authorization])).toEqual([
        [configUrl, undefined],
      ]);
    } finally {
      await other.close();
    }
  });

  it('refuses a redirect to a URL that is not http(s)', async () => {
    hub.faults.redirect = [{ path: 'config.json', location: 'file:///etc/passwd', times: 1 }];
    const error = await caught(pull({ cacheDir: fresh().cacheDir }));
    expect(error.code).toBe('PIO_HUB_PROTOCOL');
    expect(error.message).toContain('redirected to file:///etc/passwd, which is not an http(s) URL');
  });
});

describe('files listed without a size or hash', () => {
  it('are downloaded but recorded with verified: false, and verified once the hub lists their hash', async () => {
    const { cacheDir } = fresh();
    hub.faults.bare = ['config.json', 'model.safetensors'];
    const result = await pull({ cacheDir });
    const verified = Object.fromEntries(result.files.map((file) => [file.path, file.verified]));
    expect(verified).toEqual({
      'config.json': false,
      'generation_config.json': true,
      'model.safetensors': false,
      'special_tokens_map.json': true,
      'tokenizer.json': true,
      'tokenizer_config.json': true,
    });
    const recorded = readManifest(result.dir).files;
    expect(Object.fromEntries(recorded.map((file) => [file.path, file.verified]))).toEqual(verified);
    expect(recorded.find((file) => file.path === 'model.safetensors')!.sha256).toBeUndefined();
    expect(recorded.find((file) => file.path === 'tokenizer.json')!.gitBlobId).toBe(
      hub.fileInfo(repo, 'main', 'tokenizer.json').gitBlobId,
    );

    delete hub.faults.bare;
    const again = await pull({ cacheDir });
    expect(
      again.files
        .filter((file) => file.downloaded)
        .map((file) => file.path)
        .sort(),
    ).toEqual(['config.json', 'model.safetensors']);
    expect(again.files.every((file) => file.verified)).toBe(true);
    expect(readManifest(again.dir).files.every((file) => file.verified)).toBe(true);
  });
});
