import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DownloadError, downloadFile, findCachedSnapshot, resolveHubOptions, type PullOptions, type PullProgress, pullModel, resolveModelPath } from '../src/index.js';
import { type HubTestServer, startHubTestServer } from '../src/testing/index.js';
import { commitOf, writeOnnxRepo, writeSafetensorsRepo } from './fixtures.js';

let root: string;
let hub: HubTestServer;
let cacheCount = 0;
const repo = 'test-org/tiny-llama';
const main = commitOf('main');
const v1 = commitOf('v1');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-hub-'));
  await writeSafetensorsRepo(join(root, 'src', 'main'), 1);
  await writeSafetensorsRepo(join(root, 'src', 'v1'), 2);
  await writeSafetensorsRepo(join(root, 'src', 'sharded'), 3, 3);
  await writeOnnxRepo(join(root, 'src', 'onnx'));
  hub = await startHubTestServer({
    repos: {
      [repo]: {
        revisions: { main: { commit: main, dir: join(root, 'src', 'main') }, v1: { commit: v1, dir: join(root, 'src', 'v1') } },
      },
      'test-org/sharded': { revisions: { main: { commit: commitOf('sharded'), dir: join(root, 'src', 'sharded') } } },
      'test-org/onnx-only': { revisions: { main: { commit: commitOf('onnx'), dir: join(root, 'src', 'onnx') } } },
      'test-org/private': { token: 'hf_secret', revisions: { main: { commit: main, dir: join(root, 'src', 'main') } } },
    },
  });
});
afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  hub.faults.cut = [];
  hub.faults.corrupt = [];
  hub.faults.status = [];
  hub.faults.ignoreRange = false;
  vi.unstubAllEnvs();
});

/** A fresh cache folder per test. */
const newCache = () => join(root, `cache-${cacheCount++}`);
const pull = (name: string, options: PullOptions = {}) =>
  pullModel(name, { endpoint: hub.endpoint, retryDelayMs: 1, token: '', ...options });
const caught = async (promise: Promise<unknown>): Promise<DownloadError> => {
  try {
    await promise;
  } catch (error) {
    if (DownloadError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a DownloadError');
};
const requestsFor = (path: string) => hub.requests.filter((request) => request.url.includes(path));

describe('pullModel', () => {
  it('downloads only the files a safetensors model needs, byte for byte, and marks the snapshot complete', async () => {
    const cacheDir = newCache();
    const events: PullProgress[] = [];
    const result = await pull(repo, { cacheDir, onProgress: (event) => events.push(event) });
    const dir = join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', main);
    expect(result.dir).toBe(dir);
    expect(result.commit).toBe(main);
    expect(result.format).toBe('safetensors');
    const expected = [
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ];
    expect(result.files.map((file) => file.path).sort()).toEqual(expected);
    expect(readdirSync(dir).sort()).toEqual(['.pio-snapshot.json', ...expected]);
    for (const file of expected) {
      expect(readFileSync(join(dir, file)).equals(readFileSync(join(root, 'src', 'main', file))), file).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(dir, '.pio-snapshot.json'), 'utf8'));
    expect(manifest.files.find((file: { path: string }) => file.path === 'model.safetensors').sha256).toBe(
      hub.fileInfo(repo, 'main', 'model.safetensors').sha256,
    );
    expect(readFileSync(join(cacheDir, 'models', 'test-org', 'tiny-llama', 'refs', 'main'), 'utf8').trim()).toBe(main);
    expect(result.downloadedBytes).toBe(result.totalBytes);

    expect(events[0]!.type).toBe('listed');
    expect(events[0]!.filesTotal).toBe(6);
    const last = events.at(-1)!;
    expect([last.bytes, last.filesDone]).toEqual([result.totalBytes, 6]);
    expect(events.filter((event) => event.type === 'file-done')).toHaveLength(6);
    for (let i = 1; i < events.length; i++) expect(events[i]!.bytes).toBeGreaterThanOrEqual(events[i - 1]!.bytes);

    const again = await pull(repo, { cacheDir });
    expect(again.downloadedBytes).toBe(0);
    expect(again.files.every((file) => !file.downloaded)).toBe(true);
  });

  it('takes exactly the shards model.safetensors.index.json names', async () => {
    const result = await pull('test-org/sharded', { cacheDir: newCache() });
    const names = result.files.map((file) => file.path);
    expect(names.filter((name) => name.endsWith('.safetensors')).sort()).toEqual([
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
    ]);
    expect(names).toContain('model.safetensors.index.json');
    expect(existsSync(join(result.dir, 'consolidated.safetensors'))).toBe(false);
  });

  it('resumes a download the server cut, with a Range request, and verifies the whole file', async () => {
    const size = hub.fileInfo(repo, 'main', 'model.safetensors').size;
    hub.faults.cut = [{ path: 'model.safetensors', afterBytes: 5000, times: 1 }];
    const before = hub.requests.length;
    const result = await pull(repo, { cacheDir: newCache() });
    const ranges = hub.requests.slice(before).filter((r) => r.url.startsWith('/cdn/') && r.headers.range);
    // Normally all 5000 bytes arrive; under heavy load fetch may drop the last chunk it had queued.
    expect(ranges).toHaveLength(1);
    const from = Number(ranges[0]!.headers.range!.match(/^bytes=(\d+)-$/)![1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(5000);
    expect(ranges[0]!.headers['if-range']).toMatch(/^"cdn-/);
    const file = result.files.find((f) => f.path === 'model.safetensors')!;
    expect(file.size).toBe(size);
    expect(readFileSync(join(result.dir, 'model.safetensors')).equals(readFileSync(join(root, 'src', 'main', 'model.safetensors')))).toBe(true);
  });

  it('resumes in a later run from <file>.incomplete, re-hashing the part it has', async () => {
    const cacheDir = newCache();
    hub.faults.cut = [{ path: 'model.safetensors', afterBytes: 7000, times: 1 }];
    const cut = await caught(pull(repo, { cacheDir, retries: 0, concurrency: 1 }));
    expect(cut.code).toBe('PIO_HUB_NETWORK');
    const dir = join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', main);
    const kept = statSync(join(dir, 'model.safetensors.incomplete')).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(7000); // 7000 unless fetch dropped a queued chunk under load
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(false);
    expect(existsSync(join(dir, '.pio-snapshot.json'))).toBe(false);
    expect(findCachedSnapshot(repo, { cacheDir })).toBeUndefined();

    const before = hub.requests.length;
    const result = await pull(repo, { cacheDir });
    expect(result.files.find((f) => f.path === 'model.safetensors')!.resumedFrom).toBe(kept);
    expect(hub.requests.slice(before).some((r) => r.headers.range === `bytes=${kept}-`)).toBe(true);
    expect(readdirSync(dir).filter((name) => name.includes('.incomplete'))).toEqual([]);
    expect(readFileSync(join(dir, 'model.safetensors')).equals(readFileSync(join(root, 'src', 'main', 'model.safetensors')))).toBe(true);
  });

  it('starts over when the server ignores the range (200); a complete but wrong partial file is deleted', async () => {
    const cacheDir = newCache();
    const dir = join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', main);
    const real = readFileSync(join(root, 'src', 'main', 'model.safetensors'));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.safetensors.incomplete'), real.subarray(0, 3000));
    hub.faults.ignoreRange = true;
    const result = await pull(repo, { cacheDir, include: [], exclude: ['*.json'] });
    expect(readFileSync(join(result.dir, 'model.safetensors')).equals(real)).toBe(true);

    // A partial file of the full length but wrong bytes: nothing to fetch, the check fails, the file goes.
    const other = newCache();
    const otherDir = join(other, 'models', 'test-org', 'tiny-llama', 'snapshots', main);
    await mkdir(otherDir, { recursive: true });
    await writeFile(join(otherDir, 'config.json.incomplete'), Buffer.alloc(hub.fileInfo(repo, 'main', 'config.json').size, 32));
    const corrupt = await caught(pull(repo, { cacheDir: other }));
    expect(corrupt.code).toBe('PIO_HUB_INTEGRITY');
    expect(corrupt.file).toBe('config.json');
    expect(existsSync(join(otherDir, 'config.json.incomplete'))).toBe(false);
  });

  it('deletes a file whose sha256 does not match and throws a typed error, leaving no snapshot', async () => {
    const cacheDir = newCache();
    hub.faults.corrupt = ['model.safetensors'];
    const error = await caught(pull(repo, { cacheDir }));
    expect(error.code).toBe('PIO_HUB_INTEGRITY');
    expect(error.reason).toBe('integrity');
    expect(error.file).toBe('model.safetensors');
    expect(error.message).toContain(`not ${hub.fileInfo(repo, 'main', 'model.safetensors').sha256}`);
    const dir = join(cacheDir, 'models', 'test-org', 'tiny-llama', 'snapshots', main);
    const left = existsSync(dir) ? readdirSync(dir) : [];
    expect(left.filter((name) => name.startsWith('model.safetensors'))).toEqual([]);
    expect(left).not.toContain('.pio-snapshot.json');
    expect(() => resolveModelPath(repo, { cacheDir, cwd: root })).toThrow(/pio pull test-org\/tiny-llama/);
  });

  it('checks small (non-LFS) files against their git blob id', async () => {
    hub.faults.corrupt = ['tokenizer_config.json'];
    const error = await caught(pull(repo, { cacheDir: newCache() }));
    expect(error.code).toBe('PIO_HUB_INTEGRITY');
    expect(error.message).toContain(`git-sha1 of the downloaded bytes`);
    expect(error.message).toContain(hub.fileInfo(repo, 'main', 'tokenizer_config.json').gitBlobId);
  });

  it('retries 5xx answers with backoff, and gives up with a network error', async () => {
    hub.faults.status = [
      { path: 'api', status: 503, times: 1 },
      { path: 'config.json', status: 502, times: 2 },
    ];
    const result = await pull(repo, { cacheDir: newCache() });
    expect(result.files).toHaveLength(6);
    hub.faults.status = [{ path: 'config.json', status: 500, times: 5 }];
    const error = await caught(pull(repo, { cacheDir: newCache(), retries: 2 }));
    expect([error.code, error.status, error.file]).toEqual(['PIO_HUB_NETWORK', 500, 'config.json']);
  });

  it('says what to do on 404 (repository, revision) and 401/403 (token)', async () => {
    const missing = await caught(pull('test-org/nope', { cacheDir: newCache() }));
    expect([missing.code, missing.status]).toEqual(['PIO_HUB_NOT_FOUND', 404]);
    expect(missing.message).toMatch(/Repository test-org\/nope .*does not exist[\s\S]*Check the owner\/name/);
    const revision = await caught(pull(repo, { cacheDir: newCache(), revision: 'v9' }));
    expect(revision.message).toMatch(/Revision "v9" of test-org\/tiny-llama does not exist[\s\S]*--revision/);
    const unauthorized = await caught(pull('test-org/private', { cacheDir: newCache() }));
    expect([unauthorized.code, unauthorized.status]).toEqual(['PIO_HUB_UNAUTHORIZED', 401]);
    expect(unauthorized.hint).toContain('Set HF_TOKEN');
    const forbidden = await caught(pull('test-org/private', { cacheDir: newCache(), token: 'hf_wrong' }));
    expect([forbidden.code, forbidden.status]).toEqual(['PIO_HUB_UNAUTHORIZED', 403]);
    expect(forbidden.hint).toContain('has no access');
  });

  it('sends the token as a Bearer header, from the option or from HF_TOKEN', async () => {
    const before = hub.requests.length;
    await pull('test-org/private', { cacheDir: newCache(), token: 'hf_secret' });
    const sent = hub.requests.slice(before).filter((r) => !r.url.startsWith('/cdn/'));
    expect(sent.length).toBeGreaterThan(3);
    expect(sent.every((r) => r.headers.authorization === 'Bearer hf_secret')).toBe(true);
    vi.stubEnv('HF_TOKEN', 'hf_secret');
    const result = await pullModel('test-org/private', { endpoint: hub.endpoint, cacheDir: newCache() });
    expect(result.files).toHaveLength(6);
  });

  it('pulls a revision into its own snapshot and ref; resolveModelPath finds each', async () => {
    const cacheDir = newCache();
    const tagged = await pull(repo, { cacheDir, revision: 'v1' });
    expect(tagged.commit).toBe(v1);
    expect(readFileSync(join(tagged.dir, 'model.safetensors')).equals(readFileSync(join(root, 'src', 'v1', 'model.safetensors')))).toBe(true);
    // Only v1 pulled: the bare id finds it.
    expect(resolveModelPath(repo, { cacheDir, cwd: root })).toBe(tagged.dir);
    const latest = await pull(repo, { cacheDir });
    expect(resolveModelPath(repo, { cacheDir, cwd: root })).toBe(latest.dir);
    expect(resolveModelPath(repo, { cacheDir, cwd: root, revision: 'v1' })).toBe(tagged.dir);
    expect(resolveModelPath(repo, { cacheDir, cwd: root, revision: v1 })).toBe(tagged.dir);
    const byCommit = await pull(repo, { cacheDir, revision: main });
    expect(byCommit.dir).toBe(latest.dir);
    expect(byCommit.downloadedBytes).toBe(0);
  });

  it('uses HF_ENDPOINT when no endpoint is given, and names it when the hub cannot be reached', async () => {
    vi.stubEnv('HF_ENDPOINT', hub.endpoint);
    const result = await pullModel(repo, { cacheDir: newCache(), retryDelayMs: 1 });
    expect(result.commit).toBe(main);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    vi.stubEnv('HF_ENDPOINT', `http://127.0.0.1:${port}`);
    const down = await caught(pullModel(repo, { cacheDir: newCache(), retries: 1, retryDelayMs: 1 }));
    expect(down.code).toBe('PIO_HUB_NETWORK');
    expect(down.message).toContain(`http://127.0.0.1:${port}`);
    expect(down.message).toContain('ECONNREFUSED');
    expect(down.hint).toContain('HF_ENDPOINT');
  });

  it('falls back to the paged tree API when the revision API lists no sizes', async () => {
    const bare = await startHubTestServer({
      repos: { [repo]: { revisions: { main: { commit: main, dir: join(root, 'src', 'main') } } } },
      omitSizes: true,
      treePageSize: 3,
    });
    try {
      const result = await pullModel(repo, { endpoint: bare.endpoint, cacheDir: newCache(), token: '' });
      expect(result.totalBytes).toBe(result.files.reduce((sum, file) => sum + file.size, 0));
      expect(bare.requests.filter((r) => r.url.includes('/tree/')).length).toBeGreaterThan(1);
      const manifest = JSON.parse(readFileSync(join(result.dir, '.pio-snapshot.json'), 'utf8'));
      expect(manifest.files.find((f: { path: string }) => f.path === 'model.safetensors').sha256).toBe(
        bare.fileInfo(repo, 'main', 'model.safetensors').sha256,
      );
    } finally {
      await bare.close();
    }
  });

  it('takes one ONNX variant of an onnx-only repository, chosen by dtype, adding to the same snapshot', async () => {
    const cacheDir = newCache();
    const fp32 = await pull('test-org/onnx-only', { cacheDir });
    expect(fp32.format).toBe('onnx');
    expect(fp32.files.map((file) => file.path).sort()).toEqual([
      'config.json',
      'onnx/model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const fp16 = await pull('test-org/onnx-only', { cacheDir, dtype: 'fp16' });
    expect(fp16.files.map((file) => file.path).filter((path) => path.startsWith('onnx/'))).toEqual([
      'onnx/model_fp16.onnx',
      'onnx/model_fp16.onnx_data',
    ]);
    const manifest = JSON.parse(readFileSync(join(fp16.dir, '.pio-snapshot.json'), 'utf8'));
    expect(manifest.files.map((f: { path: string }) => f.path)).toContain('onnx/model.onnx');
    const bad = await caught(pull('test-org/onnx-only', { cacheDir, dtype: 'int8' }));
    expect(bad.code).toBe('PIO_HUB_USAGE');
    expect(bad.hint).toBe('Pass --dtype with one of: fp32, fp16, q4.');
    expect(requestsFor('/resolve/').every((r) => !r.url.endsWith('model_q4.onnx'))).toBe(true);
  });
});

describe('resolveModelPath', () => {
  it('prefers an existing path, then a pulled repo id, else says to run pio pull', async () => {
    const cacheDir = newCache();
    const local = join(root, 'test-org', 'tiny-llama');
    expect(() => resolveModelPath('test-org/tiny-llama', { cacheDir, cwd: root })).toThrow(
      /test-org\/tiny-llama has not been pulled[\s\S]*Run `pio pull test-org\/tiny-llama`/,
    );
    try {
      resolveModelPath('test-org/tiny-llama', { cacheDir, cwd: root, revision: 'v1' });
    } catch (error) {
      expect((error as Error).message).toContain('pio pull test-org/tiny-llama --revision v1');
      expect((error as { code: string }).code).toBe('PIO_MODEL_NOT_FOUND');
    }
    expect(() => resolveModelPath('./nothing/here', { cacheDir, cwd: root })).toThrow(/no such folder/);
    const pulled = await pull(repo, { cacheDir });
    expect(resolveModelPath(repo, { cacheDir, cwd: root })).toBe(pulled.dir);
    await mkdir(local, { recursive: true });
    expect(resolveModelPath(repo, { cacheDir, cwd: root })).toBe(local);
    vi.stubEnv('PIO_CACHE_DIR', cacheDir);
    expect(resolveModelPath(repo, { cwd: tmpdir() })).toBe(pulled.dir);
  });
});

describe('downloadFile', () => {
  it('handles 416: a partial file already complete is kept, a longer one starts over (size not listed)', async () => {
    const info = hub.fileInfo(repo, 'main', 'model.safetensors');
    const real = readFileSync(join(root, 'src', 'main', 'model.safetensors'));
    const dest = join(newCache(), 'model.safetensors');
    await mkdir(join(dest, '..'), { recursive: true });
    const download = {
      url: `${hub.endpoint}/${repo}/resolve/main/model.safetensors`,
      dest,
      expected: { size: undefined, sha256: info.sha256, gitBlobId: undefined },
      context: { repo, revision: 'main', file: 'model.safetensors' },
      hub: resolveHubOptions({ endpoint: hub.endpoint, retryDelayMs: 1, token: '' }),
    };
    await writeFile(`${dest}.incomplete`, real);
    const before = hub.requests.length;
    const whole = await downloadFile(download);
    expect(whole.resumedFrom).toBe(real.length);
    expect(hub.requests.slice(before).at(-1)!.headers.range).toBe(`bytes=${real.length}-`);
    expect(readFileSync(dest).equals(real)).toBe(true);

    await writeFile(`${dest}.incomplete`, Buffer.concat([real, Buffer.from('extra')]));
    await rm(dest);
    await downloadFile(download);
    expect(readFileSync(dest).equals(real)).toBe(true);
    expect(existsSync(`${dest}.incomplete`)).toBe(false);
  });
});
