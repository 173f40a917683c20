import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

/** Runs the deliberately broken suite in a child vitest and returns its JSON report. */
async function runBrokenSuite(workDir: string): Promise<JsonReport> {
  const outputFile = join(workDir, 'report.json');
  const env: NodeJS.ProcessEnv = { ...process.env, PIO_BROKEN_FIXTURE_DIR: join(workDir, 'fixture'), NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'NODE_OPTIONS') delete env[key];
  const args = [
    'vitest',
    'run',
    '--config',
    'test/fixtures/broken/vitest.config.ts',
    '--reporter=json',
    `--outputFile=${outputFile}`,
  ];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('npx', args, { cwd: packageDir, env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', resolve);
  });
  // Failing tests are the point: vitest exits 1.
  expect(code).toBe(1);
  return JSON.parse(await readFile(outputFile, 'utf8')) as JsonReport;
}

describe('describeConformance on a plugin that breaks the contract', () => {
  let workDir: string;
  let report: JsonReport;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'pio-conformance-broken-'));
    report = await runBrokenSuite(workDir);
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('fails every check, each for its own reason', () => {
    const results = report.testResults.flatMap((file) => file.assertionResults);
    const failures = Object.fromEntries(
      results.map((result) => [
        result.title,
        result.status === 'failed' ? (result.failureMessages[0] ?? '') : 'passed',
      ]),
    );
    expect(report.numPassedTests).toBe(0);
    expect(Object.keys(failures)).toHaveLength(8);
    expect(failures['has the files and package.json shape of every model package']).toContain('README.md: is missing');
    expect(failures['passes the factory that pio.entryPoint names']).toContain(
      'createPlugin must be the factory pio.entryPoint.factory names',
    );
    expect(failures['creates a v1 plugin whose metadata is its manifest, not yet loaded']).toContain(
      'plugin.metadata must be the metadata its factory got',
    );
    expect(failures['has every method of the contract']).toContain('detokenize');
    expect(failures['answers supportsConfig for junk with a reason, never a throw']).toContain(
      'supportsConfig(null) threw',
    );
    expect(failures['supports the config it is meant to run']).toContain('supportsConfig(supportedConfig)');
    expect(failures['rejects a missing checkpoint folder with a CheckpointError, and cleans up twice']).toContain(
      'expected a CheckpointError, got Error: ENOENT',
    );
    expect(failures['rejects infer before initialize and after cleanup with a PluginStateError']).toContain(
      'expected a PluginStateError, got no error',
    );
  });
});
