import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCheckpointDir } from '@pio/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-demo-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pio demo', () => {
  it('writes the demo checkpoint once, then streams a generation and names each stage; the second run uses both caches', async () => {
    const first = captureIo(root);
    expect(await runCli(['demo', 'Hello', 'there', '-n', '6', '--cache-dir', root], first)).toBe(0);
    expect(existsSync(join(demoCheckpointDir(root), 'config.json'))).toBe(true);
    expect(first.stdout.startsWith('Hello there')).toBe(true);
    expect(first.stderr).toMatch(/1\. Checkpoint: wrote a random Llama/);
    expect(first.stderr).toMatch(/2\. Discovery: \d+ model plugins .*@pio\/model-llama@/);
    expect(first.stderr).toContain('3. Plugin: @pio/model-llama');
    expect(first.stderr).toMatch(/4\. Load: .*graph build \(saved to the build cache\)/);
    expect(first.stderr).toMatch(/6 tokens \(length\) · 2-token prompt · first token \d+ ms · [\d.]+ tokens\/s/);

    const second = captureIo(root);
    expect(await runCli(['demo', 'Hello', 'there', '-n', '6', '--cache-dir', root], second)).toBe(0);
    expect(second.stderr).toContain('(written earlier)');
    expect(second.stderr).toContain('graph from the build cache');
    // Greedy: the same text both times.
    expect(second.stdout).toBe(first.stdout);
  });
});
