import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { writeGgufCheckpoint, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { expectBenchMeasures } from '../testing/expect-bench-measures.js';
import { startServe } from '../testing/start-serve.js';

let root: string;
let checkpoint: string;
let file: string;
/** A Qwen3 file: its tokenizer.json's chat template goes into `tokenizer.chat_template`. */
let qwen3File: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-gguf-'));
  checkpoint = (await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 8 })).dir;
  file = join(root, 'model-Q8_0.gguf');
  await writeGgufCheckpoint(checkpoint, file, 'Q8_0');
  const qwen3 = await writeRandomCheckpoint(join(root, 'qwen3'), { arch: 'qwen3', tokenizer: 'qwen3', seed: 9 });
  qwen3File = join(root, 'qwen3-Q4_0.gguf');
  await writeGgufCheckpoint(qwen3.dir, qwen3File, 'Q4_0');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pio on a .gguf file', () => {
  it('pio info names the plugin, the parameters and the storage types with their share of bytes', async () => {
    const io = captureIo(root);
    expect(await runCli(['info', file, '--json'], io)).toBe(0);
    const info = JSON.parse(io.stdout) as {
      plugin: string;
      architectures: string[];
      parameters: number;
      gguf: { parameters: number; types: { type: string; share: number }[] };
    };
    expect(info.plugin).toMatch(/^@pio\/model-llama@/);
    expect(info.architectures).toEqual(['LlamaForCausalLM']);
    expect(info.gguf.parameters).toBe(info.parameters);
    expect(info.gguf.types.map((type) => type.type)).toEqual(['Q8_0', 'F32']);
    expect(info.gguf.types[0]!.share).toBeGreaterThan(0.9);
    const text = captureIo(root);
    expect(await runCli(['info', file], text)).toBe(0);
    expect(text.stdout).toMatch(/quantization\s+Q8_0 \d+\.\d% \(\d+ tensors\), F32/);
  });

  it('pio run generates from it, tokenizing the prompt with the tokenizer of its metadata', async () => {
    const run = async (path: string) => {
      const io = captureIo(root);
      const args = ['run', path, 'Hello', 'there', '-n', '6', '--temperature', '0', '--json'];
      expect(await runCli([...args, '--cache-dir', join(root, 'cache')], io), io.stderr).toBe(0);
      return JSON.parse(io.stdout) as { promptIds: number[]; ids: number[]; text: string };
    };
    const fromFile = await run(file);
    expect(fromFile.promptIds).toEqual([15496, 612]);
    expect(fromFile.ids).toHaveLength(6);
    expect(typeof fromFile.text).toBe('string');
  });

  it('pio bench measures it', async () => {
    await expectBenchMeasures(root, file);
  });

  it('pio chat talks to it with the chat template of its metadata', async () => {
    const input = new PassThrough();
    const io = Object.assign(captureIo(root), { input });
    input.end('Hi there\n');
    const args = ['chat', qwen3File, '-n', '3', '--temperature', '0', '--cache-dir', join(root, 'cache')];
    expect(await runCli(args, io), io.stderr).toBe(0);
    expect(io.stderr.match(/\(\d+ tokens, [\d.]+ tokens\/s/g)).toHaveLength(1);
  });

  it('pio serve answers a chat completion from it', async () => {
    const { url, exit } = await startServe(root, [
      qwen3File,
      '--port',
      '0',
      '--name',
      'gguf',
      '--cache-dir',
      join(root, 'cache'),
    ]);
    try {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gguf', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 3 }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        choices: { message: { content: string } }[];
        usage: { completion_tokens: number };
      };
      expect(body.usage.completion_tokens).toBe(3);
      expect(typeof body.choices[0]!.message.content).toBe('string');
    } finally {
      process.emit('SIGTERM');
      expect(await exit).toBe(0);
    }
  });
});
