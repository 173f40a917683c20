import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import type { BenchRow } from './bench.js';

let root: string;
let checkpoint: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-bench-'));
  checkpoint = (await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 4 })).dir;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pio bench', () => {
  it('measures each prompt length and prints JSON, or a table that skips lengths beyond the context', async () => {
    const io = captureIo(root);
    const args = ['bench', checkpoint, '--prompt-lengths', '8,32', '--decode-tokens', '4', '--repeat', '2', '--json'];
    expect(await runCli([...args, '--cache-dir', join(root, 'cache')], io)).toBe(0);
    const report = JSON.parse(io.stdout) as { rows: BenchRow[]; graphBuilt: boolean; peakRssBytes: number };
    expect(report.rows.map((row) => row.promptTokens)).toEqual([8, 32]);
    for (const row of report.rows) {
      expect(row.runs).toBe(2);
      expect(row.timeToFirstTokenMs).toBeGreaterThan(0);
      expect(row.prefillTokensPerSecond).toBeGreaterThan(0);
      expect(row.decodeTokensPerSecond).toBeGreaterThan(0);
      expect(row.completionTokens).toBeGreaterThan(0);
    }
    expect(report.graphBuilt).toBe(true);
    expect(report.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);

    const table = captureIo(root);
    const tableArgs = ['bench', checkpoint, '--prompt-lengths', '8,100', '--decode-tokens', '2', '--context', '64'];
    expect(await runCli([...tableArgs, '--cache-dir', join(root, 'cache')], table)).toBe(0);
    expect(table.stdout).toMatch(/prompt\s+first token\s+prefill tok\/s\s+decode tok\/s\s+generated\s+peak RSS/);
    expect(table.stdout).toMatch(/\n\s+8\s+\d/);
    expect(table.stderr).toContain('Skipped prompt lengths that do not fit the context: 100');
  });

  it('fails in one line when no prompt length fits, or a length list is malformed', async () => {
    const io = captureIo(root);
    expect(await runCli(['bench', checkpoint, '--prompt-lengths', '100', '--context', '64', '--cache-dir', join(root, 'cache')], io)).toBe(1);
    expect(io.stderr).toContain('No prompt length fits the context of 64 tokens');
    const bad = captureIo(root);
    expect(await runCli(['bench', checkpoint, '--prompt-lengths', '8,x'], bad)).not.toBe(0);
    expect(bad.stderr).toContain('not a comma-separated list of positive integers');
  });
});
