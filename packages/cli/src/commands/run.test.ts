import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../testing/capture-io.js';
import { runCli } from '../run-cli.js';

let root: string;
let checkpoint: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-run-'));
  checkpoint = (await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 8 })).dir;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pio run', () => {
  it('prints one JSON object with promptIds, ids, text and usage; --temperature 0 is greedy', async () => {
    const io = captureIo(root);
    const args = ['run', checkpoint, 'Hello', 'there', '-n', '6', '--temperature', '0', '--json', '--cache-dir', join(root, 'cache')];
    expect(await runCli(args, io)).toBe(0);
    const result = JSON.parse(io.stdout) as { promptIds: number[]; ids: number[]; text: string; usage: { completionTokens: number } };
    expect(result.promptIds).toEqual([15496, 612]);
    expect(result.ids).toHaveLength(6);
    expect(result.usage.completionTokens).toBe(6);
    const again = captureIo(root);
    await runCli(['run', checkpoint, '--input-ids', '15496,612', '-n', '6', '--json', '--cache-dir', join(root, 'cache')], again);
    expect((JSON.parse(again.stdout) as { ids: number[] }).ids).toEqual(result.ids);
  });

  it('streams the prompt and the completion to stdout and timings to stderr', async () => {
    const io = captureIo(root);
    expect(await runCli(['run', checkpoint, 'Hi', '-n', '4', '--seed', '3', '--cache-dir', join(root, 'cache')], io)).toBe(0);
    expect(io.stdout.startsWith('Hi')).toBe(true);
    expect(io.stderr).toMatch(/4 tokens \(length\) · load \d+ ms/);
  });

  it('gives one-line errors and a non-zero code for a missing folder, a bad option or no prompt', async () => {
    const missing = captureIo(root);
    expect(await runCli(['run', join(root, 'nope'), 'x'], missing)).toBe(1);
    expect(missing.stderr).toContain('no such folder');
    expect(missing.stderr).not.toContain('    at ');
    const bad = captureIo(root);
    expect(await runCli(['run', checkpoint, '-n', 'many', 'x'], bad)).not.toBe(0);
    expect(bad.stderr).toContain('"many" is not an integer');
    const empty = captureIo(root);
    expect(await runCli(['run', checkpoint], empty)).toBe(1);
    expect(empty.stderr).toContain('needs a prompt or --input-ids');
  });
});
