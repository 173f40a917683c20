import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChatMessage, GenerationDelta } from '@pio/core';
import { ChatTemplateError } from '@pio/engine';
import { createPackagePlugin, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQwen3Plugin, type Qwen3Plugin } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
let root: string;

async function pluginFor(tokenizer: 'qwen3' | 'gpt2'): Promise<Qwen3Plugin> {
  const checkpoint = await writeRandomCheckpoint(join(root, tokenizer), { arch: 'qwen3', tokenizer, seed: 5 });
  const plugin = await createPackagePlugin(packageDir, createQwen3Plugin);
  await plugin.initialize({ checkpoint: checkpoint.dir, cacheDir: join(root, 'cache') });
  return plugin;
}

async function collect(stream: AsyncIterable<GenerationDelta>) {
  const ids: number[] = [];
  for await (const delta of stream) if (delta.type === 'token') ids.push(delta.tokenId);
  return ids;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-qwen3-chat-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('chat through the Qwen3 plugin', () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is 2 + 2?' },
  ];

  it("renders the model's chat template and generates from exactly its tokens", async () => {
    const plugin = await pluginFor('qwen3');
    try {
      const rendered =
        '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n';
      const expected = await plugin.generateText(
        { inputIds: plugin.tokenize(rendered, { addSpecialTokens: false }) },
        { maxNewTokens: 8 },
      );
      expect(await collect(plugin.chat(messages, { maxNewTokens: 8 }))).toEqual(expected.ids);
    } finally {
      await plugin.cleanup();
    }
  });

  it('throws ChatTemplateError for a tokenizer without a template, and accepts a caller template', async () => {
    const plugin = await pluginFor('gpt2');
    try {
      const error = await collect(plugin.chat(messages, { maxNewTokens: 4 })).catch((e: unknown) => e);
      expect(ChatTemplateError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/no "chat_template" in .*tokenizer_config\.json/);
      const template = '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}assistant:';
      expect(await collect(plugin.chat(messages, { maxNewTokens: 4, chatTemplate: template }))).toHaveLength(4);
    } finally {
      await plugin.cleanup();
    }
  });
});
