import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConformance } from '@pio/conformance';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { __Pascal__Config, create__Pascal__Plugin, supports__Pascal__Config } from './index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'pio-__name__-conformance-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The sizes of a tiny __displayName__ model, snake_case as in config.json. */
const tinySizes = {
  model_type: __modelTypeLiteral__,
  architectures: [__architectureLiteral__],
  hidden_size: 64,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  num_hidden_layers: 2,
  intermediate_size: 128,
  max_position_embeddings: 128,
};

describeConformance({
  packageDir,
  createPlugin: create__Pascal__Plugin,
  supportedConfig: { ...tinySizes, vocab_size: 256 },
  // Loads the tiny checkpoint, then infers, tokenizes, generates, streams and cleans up (about a second).
  roundTrip: { checkpoint: tinyCheckpoint, initializeOptions: { cacheDir: join(root, 'cache') } },
});

/**
 * A random checkpoint of that shape: Llama weights (the layout the shared
 * decoder reads), the real GPT-2 tokenizer, and a config.json naming this
 * model type. Change `arch` or add weights here when the model's differ.
 */
async function tinyCheckpoint(): Promise<string> {
  const { dir } = await writeRandomCheckpoint(join(root, 'model'), {
    arch: 'llama',
    tokenizer: 'gpt2',
    seed: 1,
    config: tinySizes,
  });
  return dir;
}

describe('supports__Pascal__Config', () => {
  const config = (overrides: Record<string, unknown> = {}) =>
    __Pascal__Config.fromHuggingFace({ ...tinySizes, vocab_size: 256, ...overrides });

  it('accepts what the shared decoder builds', () => {
    expect(supports__Pascal__Config(config())).toEqual({ supported: true });
  });

  it('names the field it cannot build', () => {
    expect(supports__Pascal__Config(config({ hidden_act: 'gelu' }))).toMatchObject({
      supported: false,
      field: 'hiddenAct',
    });
    expect(supports__Pascal__Config(config({ rope_scaling: { rope_type: 'dynamic', factor: 4 } }))).toMatchObject({
      supported: false,
      field: 'ropeScaling',
    });
  });
});
