import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type CheckpointShapeName, checkpointShapes, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { expectBenchMeasures } from '../testing/expect-bench-measures.js';
import { startServe } from '../testing/start-serve.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-moe-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// The mixture-of-experts plugins through the commands a user runs besides `pio run` (tested beside `pio info`):
// Qwen3-MoE (softmax top-k experts) and GLM-4.7-Flash (latent attention, sigmoid-routed experts, key-only cache).
// The Qwen3 tokenizer brings a chat template.
describe.each([
  ['qwen3-moe-norm', '@pio/model-qwen3-moe'],
  ['glm-q-lora', '@pio/model-glm4-moe-lite'],
] as const)('%s through pio bench, chat and serve', (shape: CheckpointShapeName, plugin) => {
  let dir: string;
  beforeAll(async () => {
    const { description: _description, ...recipe } = checkpointShapes[shape];
    dir = (await writeRandomCheckpoint(join(root, shape), { ...recipe, tokenizer: 'qwen3', seed: 5 })).dir;
  });

  it(`pio bench measures it (${plugin})`, async () => {
    await expectBenchMeasures(root, dir);
  });

  it('pio chat answers two turns with its chat template', async () => {
    const input = new PassThrough();
    const io = Object.assign(captureIo(root), { input });
    input.end('Hi there\nAnd again\n');
    const args = ['chat', dir, '-n', '3', '--temperature', '0', '--cache-dir', join(root, 'cache')];
    expect(await runCli(args, io), io.stderr).toBe(0);
    expect(io.stderr.match(/\(\d+ tokens, [\d.]+ tokens\/s/g)).toHaveLength(2);
  });

  it('pio serve answers concurrent chat completions', async () => {
    const { url, exit } = await startServe(root, [
      dir,
      '--port',
      '0',
      '--name',
      'moe',
      '--cache-dir',
      join(root, 'cache'),
    ]);
    try {
      const ask = (content: string) =>
        fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'moe', messages: [{ role: 'user', content }], max_tokens: 3, temperature: 0 }),
        });
      const responses = await Promise.all(['Hello', 'How are you?', 'Tell me a story'].map(ask));
      for (const response of responses) {
        expect(response.status).toBe(200);
        const body = (await response.json()) as { usage: { completion_tokens: number } };
        expect(body.usage.completion_tokens).toBe(3);
      }
    } finally {
      process.emit('SIGTERM');
      expect(await exit).toBe(0);
    }
  });
});
