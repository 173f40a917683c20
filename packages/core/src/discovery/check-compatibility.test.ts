import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/helpers/plugin-package-json.js';
import { checkCompatibility } from './check-compatibility.js';
import { currentHost, type HostInfo } from './host-info.js';

function fakeHost(overrides: Partial<HostInfo> = {}): HostInfo & { asked: string[] } {
  const asked: string[] = [];
  return {
    coreVersion: '0.1.0',
    nodeVersion: '20.20.2',
    totalMemoryGb: 16,
    onnxruntimeVersion: (packageDir) => {
      asked.push(packageDir);
      return '1.30.0';
    },
    ...overrides,
    asked,
  };
}

describe('checkCompatibility', () => {
  it('passes a plugin whose ranges the host meets', () => {
    const host = fakeHost();
    const report = checkCompatibility(
      { core: '^0.1.0', node: '>=20', onnxruntime: '>=1.20.0 <2', minMemoryGb: 8 },
      host,
      '/nm/p',
    );
    expect(report).toEqual({ errors: [], warnings: [] });
    expect(host.asked).toEqual(['/nm/p']);
  });

  it('lists every unmet version range as an error', () => {
    const report = checkCompatibility({ core: '^0.2.0', node: '>=22.12', onnxruntime: '~1.19.0' }, fakeHost(), '/nm/p');
    expect(report.errors).toEqual([
      { requirement: 'core', required: '^0.2.0', found: '0.1.0' },
      { requirement: 'node', required: '>=22.12', found: '20.20.2' },
      { requirement: 'onnxruntime', required: '~1.19.0', found: '1.30.0' },
    ]);
    expect(report.warnings).toEqual([]);
  });

  it('takes prerelease hosts within a range', () => {
    expect(checkCompatibility({ core: '^0.1.0' }, fakeHost({ coreVersion: '0.1.1-beta.2' }), '/p').errors).toEqual([]);
    expect(checkCompatibility({ core: '^0.1.0' }, fakeHost({ coreVersion: '0.2.0-beta.2' }), '/p').errors).toEqual([
      { requirement: 'core', required: '^0.1.0', found: '0.2.0-beta.2' },
    ]);
  });

  it('skips onnxruntime when the plugin cannot resolve it, and does not ask when no range is given', () => {
    const host = fakeHost({ onnxruntimeVersion: () => undefined });
    expect(checkCompatibility({ core: '^0.1.0', onnxruntime: '>=1.20.0' }, host, '/p')).toEqual({
      errors: [],
      warnings: [],
    });
    const asking = fakeHost();
    checkCompatibility({ core: '^0.1.0' }, asking, '/p');
    expect(asking.asked).toEqual([]);
  });

  it('reports too little memory as a warning, not an error', () => {
    const report = checkCompatibility({ core: '^0.1.0', minMemoryGb: 32 }, fakeHost({ totalMemoryGb: 15.64 }), '/p');
    expect(report).toEqual({
      errors: [],
      warnings: [{ requirement: 'minMemoryGb', required: '32 GiB', found: '15.6 GiB' }],
    });
  });
});

describe('currentHost', () => {
  it('describes this process', () => {
    const host = currentHost();
    expect(host.coreVersion).toBe('0.1.0');
    expect(host.nodeVersion).toBe(process.versions.node);
    expect(host.totalMemoryGb).toBeGreaterThan(0);
  });

  it('reads the onnxruntime-node version the plugin folder resolves', () => {
    const root = makeTempDir('pio-host-');
    try {
      mkdirSync(join(root, 'plugin/node_modules/onnxruntime-node'), { recursive: true });
      writeFileSync(
        join(root, 'plugin/node_modules/onnxruntime-node/package.json'),
        JSON.stringify({ name: 'onnxruntime-node', version: '1.99.0' }),
      );
      expect(currentHost().onnxruntimeVersion(join(root, 'plugin'))).toBe('1.99.0');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
