import { describe, expect, it } from 'vitest';
import { DownloadError } from '../errors/download-error.js';
import { defaultHubTimeoutMs, maxHubRedirects, resolveHubOptions } from './hub-options.js';

describe('resolveHubOptions', () => {
  it('defaults the timeout to 30 s and redirects to 5, or takes HF_HUB_DOWNLOAD_TIMEOUT in seconds', () => {
    const defaults = resolveHubOptions({}, {});
    expect([defaults.timeoutMs, defaults.maxRedirects]).toEqual([defaultHubTimeoutMs, maxHubRedirects]);
    expect([defaultHubTimeoutMs, maxHubRedirects]).toEqual([30_000, 5]);
    expect(resolveHubOptions({}, { HF_HUB_DOWNLOAD_TIMEOUT: '2.5' }).timeoutMs).toBe(2500);
    expect(resolveHubOptions({ timeoutMs: 100 }, { HF_HUB_DOWNLOAD_TIMEOUT: '2.5' }).timeoutMs).toBe(100);
  });

  it('refuses timeouts, retries and redirect counts that are not valid numbers', () => {
    const cases: [Parameters<typeof resolveHubOptions>[0], NodeJS.ProcessEnv, RegExp][] = [
      [{ timeoutMs: 0 }, {}, /timeoutMs 0: it must be a number of milliseconds above zero/],
      [{ timeoutMs: Number.NaN }, {}, /timeoutMs NaN/],
      [{}, { HF_HUB_DOWNLOAD_TIMEOUT: 'soon' }, /HF_HUB_DOWNLOAD_TIMEOUT=soon/],
      [{ retries: -1 }, {}, /retries -1/],
      [{ maxRedirects: 1.5 }, {}, /maxRedirects 1.5/],
    ];
    for (const [options, env, message] of cases) {
      try {
        resolveHubOptions(options, env);
        expect.unreachable();
      } catch (error) {
        expect(DownloadError.isInstance(error)).toBe(true);
        expect((error as DownloadError).code).toBe('PIO_HUB_USAGE');
        expect((error as Error).message).toMatch(message);
      }
    }
  });
});
