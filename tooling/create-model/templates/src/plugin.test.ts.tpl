import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConformance, readPluginPackage } from '@pio/conformance';
import { PioError } from '@pio/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { __Pascal__Config, create__Pascal__Plugin } from './index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The config.json of a tiny __displayName__ model. */
const tinyConfig = {
  model_type: __modelTypeLiteral__,
  architectures: [__architectureLiteral__],
  hidden_size: 64,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  num_hidden_layers: 2,
  intermediate_size: 128,
  vocab_size: 256,
  max_position_embeddings: 128,
};

describeConformance({
  packageDir,
  createPlugin: create__Pascal__Plugin,
  supportedConfig: tinyConfig,
  // Once the model runs, add the real round trip (docs/model-authors.md, "Tests"):
  // roundTrip: { checkpoint: async () => (await writeRandomCheckpoint(dir, { arch: 'llama' })).dir },
});

// Pins down what the generated stub does; delete this block once loadModel() is implemented.
describe('the generated stub', () => {
  let checkpoint: string;
  beforeAll(async () => {
    checkpoint = await mkdtemp(join(tmpdir(), 'pio-__name__-'));
    await writeFile(join(checkpoint, 'config.json'), JSON.stringify(tinyConfig));
  });
  afterAll(async () => {
    await rm(checkpoint, { recursive: true, force: true });
  });

  it('reads the checkpoint config.json, then stops at loadModel with PIO_NOT_IMPLEMENTED', async () => {
    const { metadata } = await readPluginPackage(packageDir);
    const plugin = await create__Pascal__Plugin({ metadata, packageDir });
    const error = await plugin.initialize({ checkpoint }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(PioError.isInstance(error) ? error.code : error).toBe('PIO_NOT_IMPLEMENTED');
    expect((error as Error).message).toContain('models/__name__/src/plugin.ts');
    expect(plugin.config).toBeInstanceOf(__Pascal__Config);
    expect(plugin.config?.headDim).toBe(16);
    expect(plugin.isLoaded).toBe(false);
  });
});
