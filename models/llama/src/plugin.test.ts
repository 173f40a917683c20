import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConformance } from '@pio/conformance';
import { PluginManager } from '@pio/core';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { createLlamaPlugin } from './index.js';

const root = await mkdtemp(join(tmpdir(), 'pio-llama-conformance-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createPlugin: createLlamaPlugin,
  roundTrip: {
    checkpoint: async () =>
      (await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 1 })).dir,
    initializeOptions: { cacheDir: join(root, 'cache') },
  },
});

describe('the plugin manager', () => {
  it('offers a Qwen2 folder (Qwen2ForCausalLM, model_type qwen2) to @pio/model-llama', async () => {
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    const packageJson = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    const manager = new PluginManager();
    manager.register({ packageJson, packageDir, factory: createLlamaPlugin });
    const qwen2 = await writeRandomCheckpoint(join(root, 'qwen2'), { arch: 'qwen2', tokenizer: 'gpt2', seed: 1 });
    expect((await manager.findForCheckpoint(qwen2.dir)).metadata.name).toBe('@pio/model-llama');
  });
});
