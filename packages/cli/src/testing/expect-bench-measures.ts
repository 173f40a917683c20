import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from './capture-io.js';

/**
 * Runs `pio bench <target> --json` once on an 8-token prompt and 3 decode
 * tokens (cache under `root/cache`) and checks that it exits 0 with one
 * row for that prompt and a positive decode speed.
 */
export async function expectBenchMeasures(root: string, target: string): Promise<void> {
  const io = captureIo(root);
  const args = ['bench', target, '--prompt-lengths', '8', '--decode-tokens', '3', '--repeat', '1', '--json'];
  expect(await runCli([...args, '--cache-dir', join(root, 'cache')], io), io.stderr).toBe(0);
  const report = JSON.parse(io.stdout) as { rows: { promptTokens: number; decodeTokensPerSecond: number }[] };
  expect(report.rows.map((row) => row.promptTokens)).toEqual([8]);
  expect(report.rows[0]!.decodeTokensPerSecond).toBeGreaterThan(0);
}
