import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoModelDir, demoModelHeldOutText } from '@pio/demo-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import type { EvalRow } from './eval.js';

let root: string;
let textFile: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-eval-'));
  textFile = join(root, 'held-out.txt');
  // The first held-out chapters of the demo model: about 4,000 tokens, enough for stable perplexities.
  await writeFile(textFile, demoModelHeldOutText().slice(0, 16_000));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pio eval on the trained demo model', () => {
  it('meets the quantization goals on held-out text: int8 within 1% of float32, int4 within 5%', async () => {
    const io = captureIo(root);
    const args = ['eval', demoModelDir(), '--text', textFile, '--dtype', 'float32,int8,int4', '--cache-dir', root, '--json'];
    expect(await runCli(args, io)).toBe(0);
    const report = JSON.parse(io.stdout) as { tokens: number; context: number; stride: number; rows: EvalRow[] };
    expect(report.context).toBe(256);
    expect(report.stride).toBe(128);
    const [fp32, int8, int4] = report.rows;
    expect(report.rows.map((row) => row.dtype)).toEqual(['float32', 'int8', 'int4']);
    expect(fp32!.scoredTokens).toBe(report.tokens - 1);
    // A trained model: far better than chance (4096 tokens) and than a unigram model.
    expect(fp32!.perplexity).toBeLessThan(100);
    expect(fp32!.top1).toBeGreaterThan(0.2);
    expect(int8!.perplexity).toBeLessThanOrEqual(fp32!.perplexity * 1.01);
    expect(int4!.perplexity).toBeLessThanOrEqual(fp32!.perplexity * 1.05);
  });

  it('prints a table comparing the dtypes with the first, and its phases on stderr', async () => {
    const io = captureIo(root);
    const args = ['eval', demoModelDir(), '--text', textFile, '--dtype', 'float32,int4', '--max-tokens', '600', '--context', '128', '--stride', '64', '--cache-dir', root];
    expect(await runCli(args, io)).toBe(0);
    expect(io.stdout).toMatch(/600 tokens · windows of 128 every 64 · 599 scored/);
    expect(io.stdout).toMatch(/dtype\s+perplexity\s+vs float32\s+top-1\s+tokens\/s/);
    expect(io.stdout).toMatch(/\n\s+int4\s+\d+\.\d{3}\s+[+-]\d+\.\d{2}%/);
    expect(io.stderr).toMatch(/Perplexity float32 \(9 windows\): /);
  });

  it('refuses a missing text, a stride over the context and an unknown dtype, in one line each', async () => {
    const missing = captureIo(root);
    expect(await runCli(['eval', demoModelDir(), '--text', join(root, 'nope.txt')], missing)).toBe(1);
    expect(missing.stderr).toMatch(/cannot read --text .*nope\.txt: ENOENT/);

    const stride = captureIo(root);
    expect(await runCli(['eval', demoModelDir(), '--text', textFile, '--context', '64', '--stride', '65', '--cache-dir', root], stride)).toBe(1);
    expect(stride.stderr).toMatch(/--stride 65 must be at most --context 64/);

    const dtype = captureIo(root);
    expect(await runCli(['eval', demoModelDir(), '--text', textFile, '--dtype', 'float32,int3'], dtype)).not.toBe(0);
    expect(dtype.stderr).toMatch(/"int3" is not one of float32, int8, int4/);
  });
});
