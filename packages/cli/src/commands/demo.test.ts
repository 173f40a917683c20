import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCheckpointDir } from '@pio/demo';
import { demoModelDir } from '@pio/demo-model';
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
  it('runs the trained demo model and prints English with tokens/s; the second run uses the build cache', async () => {
    const first = captureIo(root);
    expect(await runCli(['demo', '-n', '24', '--cache-dir', root], first)).toBe(0);
    expect(first.stderr).toContain(`1. Checkpoint: the trained demo model (5.8M-parameter Llama, trained on the King James Bible) in ${demoModelDir()}`);
    expect(first.stderr).toMatch(/2\. Discovery: \d+ model plugins .*@pio\/model-llama@/);
    expect(first.stderr).toContain('3. Plugin: @pio/model-llama');
    expect(first.stderr).toMatch(/4\. Load: .*graph build \(saved to the build cache\)/);
    expect(first.stderr).toContain('5. Generation (greedy, with the repetition penalty of its generation_config.json):');
    expect(first.stderr).toMatch(/24 tokens \(length\) · \d+-token prompt · first token \d+ ms · [\d.]+ tokens\/s/);
    expect(first.stdout.startsWith('And God said,')).toBe(true);
    // Readable English: words of letters, most of them common ones.
    const words = first.stdout.toLowerCase().match(/[a-z]+/g) ?? [];
    expect(words.length).toBeGreaterThan(12);
    const common = new Set(['and', 'the', 'of', 'unto', 'that', 'he', 'i', 'is', 'in', 'to', 'shall', 'be', 'thou', 'thee', 'lord', 'god', 'said', 'my', 'his', 'a', 'not', 'for', 'ye', 'will', 'all', 'them', 'it', 'with', 'me', 'they', 'this', 'was', 'which', 'him']);
    expect(words.filter((word) => common.has(word)).length / words.length).toBeGreaterThan(0.3);

    const second = captureIo(root);
    expect(await runCli(['demo', '-n', '24', '--cache-dir', root], second)).toBe(0);
    expect(second.stderr).toContain('graph from the build cache');
    // Greedy: the same text both times.
    expect(second.stdout).toBe(first.stdout);
  });

  it('with --random, writes the random checkpoint once and runs it: gibberish, same path', async () => {
    const first = captureIo(root);
    expect(await runCli(['demo', 'Hello', 'there', '-n', '6', '--random', '--cache-dir', root], first)).toBe(0);
    expect(existsSync(join(demoCheckpointDir(root), 'config.json'))).toBe(true);
    expect(first.stdout.startsWith('Hello there')).toBe(true);
    expect(first.stderr).toMatch(/1\. Checkpoint: wrote a random Llama/);
    expect(first.stderr).toContain('5. Generation (greedy; random weights, so gibberish)');
    expect(first.stderr).toMatch(/6 tokens \(length\) · 2-token prompt · first token \d+ ms · [\d.]+ tokens\/s/);

    const second = captureIo(root);
    expect(await runCli(['demo', 'Hello', 'there', '-n', '6', '--random', '--cache-dir', root], second)).toBe(0);
    expect(second.stderr).toContain('(random weights, written earlier)');
    expect(second.stdout).toBe(first.stdout);
  });
});
