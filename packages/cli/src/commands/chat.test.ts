import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';

let root: string;
let qwen3: string;
let gpt2: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-chat-'));
  qwen3 = (await writeRandomCheckpoint(join(root, 'qwen3'), { arch: 'qwen3', tokenizer: 'qwen3', seed: 5 })).dir;
  gpt2 = (await writeRandomCheckpoint(join(root, 'gpt2'), { arch: 'llama', tokenizer: 'gpt2', seed: 5 })).dir;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A captured io whose stdin is the given lines (then end of input). */
function scripted(lines: string[], options: { end?: boolean } = {}) {
  const input = new PassThrough();
  const io = Object.assign(captureIo(root), { input });
  for (const line of lines) input.write(`${line}\n`);
  if (options.end !== false) input.end();
  return { io, input };
}

describe('pio chat', () => {
  it('answers each turn, keeps the history (reusing the cached prefix) and handles /help, /system, /reset and /exit', async () => {
    const { io } = scripted(['Hi there', 'And again?', '/help', '/system Be brief.', '/reset', 'Third', '/exit', 'never read']);
    const args = ['chat', qwen3, '-n', '4', '--temperature', '0', '--cache-dir', join(root, 'cache')];
    expect(await runCli(args, io)).toBe(0);
    const turns = io.stderr.match(/\(\d+ tokens, [\d.]+ tokens\/s[^)]*\)/g) ?? [];
    expect(turns).toHaveLength(3);
    // The second turn re-renders the first turn and its answer: their tokens come from the cache.
    expect(turns[1]).toMatch(/\d+ of \d+ prompt tokens reused/);
    expect(io.stderr).toContain('/system <text>');
    expect(io.stderr).toContain('(system message set)');
    expect(io.stderr).toContain('(conversation cleared)');
    expect(io.stderr).not.toContain('never read');
  });

  it('ends at the end of the input (Ctrl-D)', async () => {
    const { io } = scripted(['Hello']);
    expect(await runCli(['chat', qwen3, '-n', '2', '--cache-dir', join(root, 'cache')], io)).toBe(0);
    expect(io.stderr.match(/\(\d+ tokens/g)).toHaveLength(1);
  });

  it('stops an answer at Ctrl-C and keeps chatting; Ctrl-C at the prompt quits', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const io = Object.assign(captureIo(root), { input });
    let interrupted = false;
    const out = io.out;
    io.out = (text: string) => {
      // The first answer's first text (after readline echoed the question): press Ctrl-C, from outside this call.
      const answering = /Hello\r?\n/.test(io.stdout);
      out.call(io, text);
      if (!interrupted && answering) {
        interrupted = true;
        setTimeout(() => input.write('\x03'), 0);
      }
    };
    setTimeout(() => input.write('Hello\r'), 10);
    const exit = runCli(['chat', qwen3, '-n', '200', '--temperature', '0', '--cache-dir', join(root, 'cache')], io);
    const waitFor = async (done: () => boolean) => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await waitFor(() => /stopped after \d+ tokens/.test(io.stderr));
    input.write('Again\r');
    await waitFor(() => (io.stderr.match(/\(\d+ tokens, /g) ?? []).length >= 1 && io.stderr.split('tokens/s').length >= 3);
    input.write('\x03');
    expect(await exit).toBe(0);
    expect(io.stderr).toMatch(/stopped after (\d+) tokens/);
    expect(Number(/stopped after (\d+) tokens/.exec(io.stderr)![1])).toBeLessThan(200);
  });

  it('says in one line that a model has no chat template, and takes --chat-template <file>', async () => {
    const none = scripted(['Hello']);
    expect(await runCli(['chat', gpt2, '--cache-dir', join(root, 'cache')], none.io)).toBe(1);
    expect(none.io.stderr).toMatch(/^pio: Cannot render the chat: .*$/m);
    expect(none.io.stderr).not.toContain('    at ');
    const template = join(root, 'template.jinja');
    await writeFile(template, "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}assistant:");
    const given = scripted(['Hello']);
    expect(await runCli(['chat', gpt2, '-n', '3', '--chat-template', template, '--cache-dir', join(root, 'cache')], given.io)).toBe(0);
    expect(given.io.stderr).toMatch(/\(3 tokens/);
  });
});
