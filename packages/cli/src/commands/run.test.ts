import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';

let root: string;
let checkpoint: string;
/** A model whose context (256) is what the default of 256 new tokens used to need on its own. */
let shortContext: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-run-'));
  checkpoint = (await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 8 })).dir;
  shortContext = (
    await writeRandomCheckpoint(join(root, 'short'), {
      arch: 'llama',
      tokenizer: 'gpt2',
      seed: 8,
      config: { max_position_embeddings: 256 },
    })
  ).dir;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pio run', () => {
  it('--json-schema FILE constrains the output to JSON that validates (random weights)', async () => {
    const schemaFile = join(root, 'schema.json');
    const schema = {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 6 }, size: { type: 'integer', minimum: 1, maximum: 9 } },
      required: ['name', 'size'],
      additionalProperties: false,
    };
    await writeFile(schemaFile, JSON.stringify(schema));
    const io = captureIo(root);
    const args = [
      'run',
      checkpoint,
      'Hi',
      '-n',
      '40',
      '--json-schema',
      schemaFile,
      '--json',
      '--cache-dir',
      join(root, 'cache'),
    ];
    expect(await runCli(args, io)).toBe(0);
    const result = JSON.parse(io.stdout) as { text: string; finishReason: string };
    expect(result.finishReason).toBe('stop');
    const value = JSON.parse(result.text) as { name: string; size: number };
    expect(Object.keys(value)).toEqual(['name', 'size']);
    expect(value.name.length).toBeLessThanOrEqual(6);
    expect(value.size >= 1 && value.size <= 9).toBe(true);

    const bad = captureIo(root);
    await writeFile(join(root, 'not-json.json'), '{ nope');
    expect(await runCli(['run', checkpoint, 'Hi', '--json-schema', join(root, 'not-json.json')], bad)).not.toBe(0);
    expect(bad.stderr).toContain('--json-schema');
  });

  it('prints one JSON object with promptIds, ids, text and usage; --temperature 0 is greedy', async () => {
    const io = captureIo(root);
    const args = [
      'run',
      checkpoint,
      'Hello',
      'there',
      '-n',
      '6',
      '--temperature',
      '0',
      '--json',
      '--cache-dir',
      join(root, 'cache'),
    ];
    expect(await runCli(args, io)).toBe(0);
    const result = JSON.parse(io.stdout) as {
      promptIds: number[];
      ids: number[];
      text: string;
      usage: { completionTokens: number };
    };
    expect(result.promptIds).toEqual([15496, 612]);
    expect(result.ids).toHaveLength(6);
    expect(result.usage.completionTokens).toBe(6);
    const again = captureIo(root);
    await runCli(
      ['run', checkpoint, '--input-ids', '15496,612', '-n', '6', '--json', '--cache-dir', join(root, 'cache')],
      again,
    );
    expect((JSON.parse(again.stdout) as { ids: number[] }).ids).toEqual(result.ids);
  });

  it('streams the prompt and the completion to stdout and timings to stderr', async () => {
    const io = captureIo(root);
    expect(
      await runCli(['run', checkpoint, 'Hi', '-n', '4', '--seed', '3', '--cache-dir', join(root, 'cache')], io),
    ).toBe(0);
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

describe('pio run: arguments refused before any model loads', () => {
  it.each([
    [['--top-p', '2'], `option '--top-p <p>' argument '2' is invalid. "2" is not a number in (0, 1].`],
    [['-t', '-1'], '"-1" is not a number >= 0.'],
    [['--top-k', '-5'], '"-5" is not an integer >= 0.'],
    [['--min-p', '3'], '"3" is not a number in [0, 1].'],
    [['--seed', '-1.5'], '"-1.5" is not an integer in [0, 4294967295].'],
    [['--repetition-penalty', '0'], '"0" is not a number > 0.'],
    [['--presence-penalty', '3'], '"3" is not a number in [-2, 2].'],
    [['--frequency-penalty', '-2.5'], '"-2.5" is not a number in [-2, 2].'],
    [['-n', '-1'], '"-1" is not an integer >= 1.'],
    [['-n', '0'], '"0" is not an integer >= 1.'],
    [['-n', 'abc'], '"abc" is not an integer >= 1.'],
    [['--context', '0'], '"0" is not an integer >= 1.'],
    [['--input-ids', ''], 'it is empty'],
    [['--input-ids', '1,,2'], 'item 2 ("") is not a token id'],
    [['--input-ids', '1,a'], 'item 2 ("a") is not a token id'],
  ])('%j: one line with the accepted range', async (flags, message) => {
    // The folder does not exist: a parse error must come first, before any checkpoint is opened.
    const io = captureIo(root);
    expect(await runCli(['run', join(root, 'nope'), 'x', ...flags], io)).not.toBe(0);
    expect(io.stderr).toContain(message);
    expect(io.stderr.split('\n')[0]).toContain(message);
    expect(io.stderr).not.toContain('no such folder');
    expect(io.stderr).not.toContain('unexpected error');
  });
});

describe('pio run on a model with a 256-token context', () => {
  const cacheDir = () => join(root, 'cache');
  const twentyIds = Array.from({ length: 20 }, (_, i) => 100 + i).join(',');

  it('without -n generates what fits after the prompt instead of failing', async () => {
    const io = captureIo(root);
    expect(await runCli(['run', shortContext, '--input-ids', twentyIds, '--json', '--cache-dir', cacheDir()], io)).toBe(
      0,
    );
    const result = JSON.parse(io.stdout) as {
      finishReason: string;
      usage: { promptTokens: number; completionTokens: number };
    };
    expect(result.usage.promptTokens).toBe(20);
    expect(result.finishReason).toBe('length');
    expect(result.usage.completionTokens).toBe(256 - 20);
  });

  it('with -n over the room left is a one-line ContextLengthError', async () => {
    const io = captureIo(root);
    expect(
      await runCli(['run', shortContext, '--input-ids', twentyIds, '-n', '300', '--cache-dir', cacheDir()], io),
    ).toBe(1);
    expect(io.stderr).toContain('pio: The prompt has 20 tokens and 300 more were asked for');
    expect(io.stdout).toBe('');
  });

  it('ids outside the vocabulary are a one-line PromptError naming the id, not an onnxruntime failure', async () => {
    const io = captureIo(root);
    expect(await runCli(['run', shortContext, '--input-ids', '15496,50257', '--cache-dir', cacheDir()], io)).toBe(1);
    expect(io.stderr).toContain('pio: Prompt token id 50257 at position 1 is not a token of this model');
    expect(io.stderr).not.toContain('unexpected error');
  });
});

describe('pio run: the prompt from a file or stdin', () => {
  const cacheDir = () => join(root, 'cache');

  it('--prompt-file reads the prompt (one final newline dropped), like the same prompt as an argument', async () => {
    const file = join(root, 'prompt.txt');
    await writeFile(file, 'Hello there\n');
    const fromFile = captureIo(root);
    expect(
      await runCli(
        ['run', checkpoint, '--prompt-file', 'prompt.txt', '-n', '3', '--json', '--cache-dir', cacheDir()],
        fromFile,
      ),
    ).toBe(0);
    expect((JSON.parse(fromFile.stdout) as { promptIds: number[] }).promptIds).toEqual([15496, 612]);
  });

  it.each([[['-']], [['--prompt-file', '-']]])('%j reads the prompt from stdin', async (args) => {
    const io = captureIo(root);
    io.input = Readable.from([Buffer.from('Hello '), Buffer.from('there\n')]);
    expect(await runCli(['run', checkpoint, ...args, '-n', '3', '--json', '--cache-dir', cacheDir()], io)).toBe(0);
    expect((JSON.parse(io.stdout) as { promptIds: number[] }).promptIds).toEqual([15496, 612]);
  });

  it('a missing prompt file, or a prompt given twice, is a one-line usage error', async () => {
    const missing = captureIo(root);
    expect(await runCli(['run', checkpoint, '--prompt-file', 'nope.txt'], missing)).toBe(1);
    expect(missing.stderr).toContain(`pio: Cannot read the prompt file ${join(root, 'nope.txt')}: no such file.`);
    const twice = captureIo(root);
    expect(await runCli(['run', checkpoint, 'Hi', '--prompt-file', 'prompt.txt'], twice)).toBe(1);
    expect(twice.stderr).toContain('pio: pio run got a prompt twice');
    const empty = captureIo(root);
    await writeFile(join(root, 'empty.txt'), '\n');
    expect(await runCli(['run', checkpoint, '--prompt-file', 'empty.txt'], empty)).toBe(1);
    expect(empty.stderr).toContain('is empty');
  });
});

describe('pio run with a 50 KB prompt on the command line', () => {
  it('does not crash the process: onnxruntime starts and the prompt is refused in one line (was SIGSEGV)', async () => {
    const prompt = 'The quick brown fox jumps over the lazy dog. '.repeat(1112).slice(0, 50_000);
    const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin.ts');
    const result = await runNode(
      [
        '--conditions=@pio/source',
        '--import',
        'tsx',
        bin,
        'run',
        shortContext,
        prompt,
        '-n',
        '4',
        '--cache-dir',
        join(root, 'cache'),
      ],
      dirname(bin),
    );
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /pio: The prompt has \d+ tokens and 4 more were asked for: \d+ > the context length of 256 tokens\./,
    );
    expect(result.stderr).not.toContain('unexpected error');
    // A refused prompt is not echoed back.
    expect(result.stdout).toBe('');
  });
});

/** Runs `node args` to its end without blocking the test's event loop, outside vitest's own environment. */
function runNode(
  args: readonly string[],
  cwd: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) {
    if (key.startsWith('VITEST') || key.startsWith('__VITEST') || key === 'NODE_OPTIONS') delete env[key];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
