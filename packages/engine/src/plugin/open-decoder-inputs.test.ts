import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseConfig, CheckpointError, DecoderConfig, PluginStateError } from '@pio/core';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDecoderInputs } from './open-decoder-inputs.js';

let root: string;
let checkpoint: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-decoder-inputs-'));
  checkpoint = (
    await writeRandomCheckpoint(join(root, 'checkpoint'), {
      arch: 'qwen3',
      tokenizer: 'gpt2',
      generationConfig: { max_new_tokens: 12 },
    })
  ).dir;
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('openDecoderInputs', () => {
  it("reads a folder's config (overridden by options.config and the runtime), tokenizer and generation defaults", async () => {
    const { config, checkpoint: opened } = await openDecoderInputs(
      { checkpoint, config: { max_position_embeddings: 96 }, runtime: { dtype: 'int8' } },
      DecoderConfig,
      '@pio/model-fake',
    );
    expect(config.maxPositionEmbeddings).toBe(96);
    expect(config.dtype).toBe('int8');
    expect(opened?.checkpoint).toBe(checkpoint);
    expect(opened?.ggufFile).toBeUndefined();
    expect(opened?.ggufOwnDtype).toBeUndefined();
    expect(opened?.configSource).toBe(join(checkpoint, 'config.json'));
    expect(opened?.generationDefaults.maxNewTokens).toBe(12);
    const tokenizer = await opened!.loadTokenizer();
    expect(tokenizer.decode(tokenizer.encode('hello'))).toBe('hello');
  });

  it('takes a config alone, with no checkpoint', async () => {
    const given = new DecoderConfig({ architectures: ['FakeForCausalLM'] });
    expect(await openDecoderInputs({ config: given }, DecoderConfig, 'p')).toEqual({
      config: given,
      checkpoint: undefined,
    });
    const parsed = await openDecoderInputs(
      { config: { vocab_size: 77 }, runtime: { dtype: 'int4' } },
      DecoderConfig,
      'p',
    );
    expect([parsed.config.vocabSize, parsed.config.dtype, parsed.checkpoint]).toEqual([77, 'int4', undefined]);
    await expect(openDecoderInputs({ config: new BaseConfig() }, DecoderConfig, 'p')).rejects.toThrow(
      /Invalid DecoderConfig: 1 problem\n {2}- \(config\) = "BaseConfig": a decoder model needs a DecoderConfig/,
    );
  });

  it('needs a checkpoint or a config', async () => {
    const refused = openDecoderInputs({}, DecoderConfig, '@pio/model-fake');
    await expect(refused).rejects.toThrow(PluginStateError);
    await expect(refused).rejects.toThrow('@pio/model-fake: initialize() needs a checkpoint folder or a config');
  });

  it('says which folder has no config.json', async () => {
    await expect(openDecoderInputs({ checkpoint: root }, DecoderConfig, 'p')).rejects.toThrow(CheckpointError);
  });
});
