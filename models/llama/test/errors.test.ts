import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPluginPackage } from '@pio/conformance';
import { CheckpointError, ConfigError, ContextLengthError, PioError, PluginStateError } from '@pio/core';
import { GraphError } from '@pio/onnx';
import { TensorShapeError, WeightFileError } from '@pio/safetensors';
import { editCheckpointConfig, useBrokenCheckpoints } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaPlugin, type LlamaPlugin } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

async function createPlugin(): Promise<LlamaPlugin> {
  const { metadata } = await readPluginPackage(packageDir);
  return createLlamaPlugin({ metadata, packageDir });
}

const checkpoints = useBrokenCheckpoints({ createPlugin, checkpoint: { arch: 'llama', tokenizer: 'gpt2', seed: 21 } });
const { copyOfGood, initializeFailure } = checkpoints;
const editConfig = editCheckpointConfig;

/** What `work` rejects with, checked to be a PioError. */
async function rejection(work: () => Promise<unknown>): Promise<PioError> {
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeDefined();
  expect(PioError.isInstance(error), String(error)).toBe(true);
  return error as PioError;
}

describe('a bad checkpoint folder', () => {
  it('without config.json: CheckpointError naming the file and what the folder needs', async () => {
    const dir = await copyOfGood();
    await rm(join(dir, 'config.json'));
    const error = await initializeFailure(dir);
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as CheckpointError).file).toBe(join(dir, 'config.json'));
    expect(error.message).toContain(`${join(dir, 'config.json')}: the file does not exist`);
    expect(error.message).toContain('It needs a config.json next to the weights');
  });

  it('with a config.json that is not JSON: CheckpointError naming the file and the parse error', async () => {
    const dir = await copyOfGood();
    await writeFile(join(dir, 'config.json'), '{"hidden_size": 64,,}');
    const error = await initializeFailure(dir);
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect(error.message).toContain(`${join(dir, 'config.json')}: it is not valid JSON`);
    expect(error.hint).toContain('Hugging Face checkpoint folder');
  });

  it('without tokenizer.json: CheckpointError naming it', async () => {
    const dir = await copyOfGood();
    await rm(join(dir, 'tokenizer.json'));
    const error = await initializeFailure(dir);
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as CheckpointError).file).toBe(join(dir, 'tokenizer.json'));
    expect(error.message).toContain('the file does not exist');
    expect(error.message).toContain('needs the tokenizer.json');
  });
});

describe('a tokenizer.json that is not JSON', () => {
  it('fails initialize with a CheckpointError naming it, leaves the plugin unloaded, and keeps the build for the next start', async () => {
    const dir = await copyOfGood();
    await writeFile(join(dir, 'tokenizer.json'), '{"model": ');
    const plugin = await createPlugin();
    const cacheDir = join(dir, '..', `${dir.split('/').pop()}-cache`);
    const error = await rejection(() => plugin.initialize({ checkpoint: dir, cacheDir }));
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as CheckpointError).file).toBe(join(dir, 'tokenizer.json'));
    expect(plugin.isLoaded).toBe(false);
    expect(() => plugin.tokenize('hi')).toThrow(PluginStateError);
    // The tokenizer is read after the sessions: the build is already cached, and a fixed tokenizer starts from it.
    const builds = await readdir(join(cacheDir, 'builds'));
    expect(builds.filter((name) => !name.startsWith('.'))).toHaveLength(1);
    await writeFile(join(dir, 'tokenizer.json'), await readFile(join(await copyOfGood(), 'tokenizer.json')));
    await plugin.initialize({ checkpoint: dir, cacheDir });
    expect(plugin.detokenize(plugin.tokenize('hello'))).toBe('hello');
    await plugin.cleanup();
  });
});

describe('a config.json the plugin cannot run', () => {
  it('num_key_value_heads not dividing num_attention_heads: ConfigError naming the key and the file', async () => {
    const { dir, error } = await checkpoints.configError({ num_key_value_heads: 3 });
    expect(error.source).toBe(join(dir, 'config.json'));
    expect(error.issues.map((issue) => issue.field)).toEqual(['numKeyValueHeads']);
    expect(error.message).toContain(
      'numKeyValueHeads = 3: must divide numAttentionHeads (4) (config.json key "num_key_value_heads")',
    );
    expect(error.message).toContain(`Fix these values in ${join(dir, 'config.json')}`);
  });

  it('rope_scaling of type dynamic: ConfigError from initialize naming rope_scaling and what is supported', async () => {
    // configError also checks that nothing was built for a config that was refused.
    const { dir, error } = await checkpoints.configError({
      rope_scaling: { rope_type: 'dynamic', factor: 4 },
    });
    expect(error.source).toBe(join(dir, 'config.json'));
    expect(error.message).toContain('rope_scaling type "dynamic" is not supported: use none, linear, llama3 or yarn');
    expect(error.message).not.toContain('Every node input');
    expect(error.hint).toContain(`Fix these values in ${join(dir, 'config.json')}`);
  });

  it('an active sliding window: ConfigError naming sliding_window; lowering maxContextLength as it says works', async () => {
    const { dir, error } = await checkpoints.configError({ sliding_window: 32 });
    expect(error.message).toContain('config.json key "sliding_window"');
    expect(error.message).toContain('lower maxContextLength to 32 to run this model');
    const plugin = await createPlugin();
    try {
      await plugin.initialize({ checkpoint: dir, cacheDir: join(dir, '.cache'), runtime: { maxContextLength: 32 } });
      expect(plugin.modelConfig.maxContextLength).toBe(32);
    } finally {
      await plugin.cleanup();
    }
  });

  it('maxContextLength above max_position_embeddings: ConfigError naming both', async () => {
    const error = await initializeFailure(checkpoints.good.dir, { maxContextLength: 4096 });
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error.message).toContain('maxContextLength = 4096: must be <= maxPositionEmbeddings (2048)');
  });
});

describe('damaged or mismatched weights', () => {
  it('a truncated model.safetensors: WeightFileError naming the file, saying it is truncated and what to do', async () => {
    const dir = await copyOfGood();
    const file = join(dir, 'model.safetensors');
    await truncate(file, checkpoints.good.weightBytes / 2);
    const error = await initializeFailure(dir);
    expect(WeightFileError.isInstance(error)).toBe(true);
    expect((error as WeightFileError).file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain('the file is truncated');
    expect(error.message).toContain('Re-download the checkpoint');
    expect(await readdir(join(dir, '.cache', 'builds'))).toEqual([]);
  });

  it('a corrupt header: WeightFileError naming the file', async () => {
    const dir = await copyOfGood();
    const file = join(dir, 'model.safetensors');
    const bytes = await readFile(file);
    bytes.write('#', 8);
    await writeFile(file, bytes);
    const error = await initializeFailure(dir);
    expect(WeightFileError.isInstance(error)).toBe(true);
    expect(error.message).toContain(file);
    expect(error.message).toContain('header is not valid UTF-8 JSON');
  });

  it('a config.json whose intermediate_size disagrees with the weights: a PioError naming the tensor, its file and both shapes', async () => {
    const dir = await copyOfGood();
    await editConfig(dir, { intermediate_size: 96 });
    const error = await initializeFailure(dir);
    expect(TensorShapeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      tensor: 'model.layers.0.mlp.gate_proj.weight',
      file: join(dir, 'model.safetensors'),
    });
    expect(error.message).toContain('model.layers.0.mlp.gate_proj.weight');
    expect(error.message).toContain('has shape [128, 64] but [96, 64] was expected');
    expect(error.message).toContain('the checkpoint does not match its config.json');
    expect(error.hint).toContain('Use the config.json that came with these weights');
  });

  it('a missing tensor: a PioError naming it', async () => {
    const dir = await copyOfGood();
    await checkpoints.rewriteWeights(dir, (tensors) => {
      delete tensors['model.layers.1.self_attn.k_proj.weight'];
    });
    const error = await initializeFailure(dir);
    expect(GraphError.isInstance(error)).toBe(true);
    expect(error.message).toContain('"model.layers.1.self_attn.k_proj.weight"');
    expect(error.message).toContain('is missing from the checkpoint');
    expect(error.hint).toContain('Use the config.json that came with these weights');
  });

  it('a failed build leaves no half-built cache folder, and the fixed checkpoint then builds and runs', async () => {
    const dir = await copyOfGood();
    await editConfig(dir, { intermediate_size: 96 });
    const cacheDir = join(dir, '.cache');
    const plugin = await createPlugin();
    try {
      await rejection(() => plugin.initialize({ checkpoint: dir, cacheDir }));
      expect(plugin.isLoaded).toBe(false);
      expect(await readdir(join(cacheDir, 'builds'))).toEqual([]);

      await editConfig(dir, { intermediate_size: 128 });
      await plugin.initialize({ checkpoint: dir, cacheDir });
      expect(plugin.isLoaded).toBe(true);
      const builds = await readdir(join(cacheDir, 'builds'));
      expect(builds).toHaveLength(1);
      expect(builds[0]!.startsWith('.tmp-')).toBe(false);
      const result = await plugin.generateText('Hello', { maxNewTokens: 4 });
      expect(result.ids).toHaveLength(4);
    } finally {
      await plugin.cleanup();
    }
  });
});

describe('using the plugin wrongly', () => {
  it('infer, forward, generateText, generate and tokenize before initialize: PluginStateError', async () => {
    const plugin = await createPlugin();
    const calls: [string, () => Promise<unknown>][] = [
      ['infer', () => plugin.infer({ inputIds: [1, 2] })],
      ['forward', () => plugin.forward([1])],
      ['generateText', () => plugin.generateText('Hello')],
      ['generate', () => plugin.generate('Hello').next()],
      ['tokenize', async () => plugin.tokenize('Hello')],
    ];
    for (const [name, call] of calls) {
      const error = await rejection(call);
      expect(PluginStateError.isInstance(error), name).toBe(true);
      expect(error.message, name).toContain('@pio/model-llama: the plugin is not initialized');
      expect(error.message, name).toContain('Call initialize() first');
    }
  });

  describe('on a loaded plugin', () => {
    let plugin: LlamaPlugin;
    beforeAll(async () => {
      plugin = await createPlugin();
      await plugin.initialize({
        checkpoint: checkpoints.good.dir,
        cacheDir: join(checkpoints.root, 'shared-cache'),
        runtime: { maxContextLength: 32 },
      });
    });
    afterAll(async () => {
      await plugin.cleanup();
    });

    it('a prompt longer than the context: ContextLengthError from generateText and forward, before any compute', async () => {
      const context = [5, 6, 7];
      await plugin.forward(context, { reset: true });
      const expected = await plugin.forward([8]);
      await plugin.forward(context, { reset: true });

      const long = Array.from({ length: 40 }, (_, i) => 100 + i);
      const fromGenerate = await rejection(() => plugin.generateText({ inputIds: long }, { maxNewTokens: 4 }));
      expect(ContextLengthError.isInstance(fromGenerate)).toBe(true);
      expect(fromGenerate.message).toContain(
        'The prompt has 40 tokens and 4 more were asked for: 44 > the context length of 32 tokens.',
      );
      expect(fromGenerate.hint).toContain('Shorten the prompt');
      // A prompt within the context, but not with the tokens asked for.
      const tooMany = await rejection(() => plugin.generateText({ inputIds: long.slice(0, 20) }, { maxNewTokens: 20 }));
      expect(ContextLengthError.isInstance(tooMany)).toBe(true);

      // forward counts the tokens already in the cache.
      const fromForward = await rejection(() => plugin.forward(long.slice(0, 30)));
      expect(ContextLengthError.isInstance(fromForward)).toBe(true);
      expect((fromForward as ContextLengthError).promptTokens).toBe(33);
      const fromReset = await rejection(() => plugin.forward(long.slice(0, 33), { reset: true }));
      expect(ContextLengthError.isInstance(fromReset)).toBe(true);
      expect((fromReset as ContextLengthError).contextLength).toBe(32);

      // Nothing ran and nothing was reset: the cache still holds exactly the three tokens.
      const again = await plugin.forward([8]);
      // Compared by their largest difference: a failing toEqual on 50,257 floats takes minutes to print.
      expect(again.reduce((max, value, i) => Math.max(max, Math.abs(value - expected[i]!)), 0)).toBe(0);
    });

    it('a second generation while one runs joins it (continuous batching); the cache is not touched meanwhile, and the first one finishes undisturbed', async () => {
      const prompt = { inputIds: [464, 3290, 318] };
      // The same steps twice (a one-token cache that shares nothing with the prompt, then the generation): equal results.
      await plugin.forward([0], { reset: true });
      const undisturbed = await plugin.generateText(prompt, { maxNewTokens: 6 });
      const alone = await plugin.generateText('Hi', { maxNewTokens: 2 });

      await plugin.forward([0], { reset: true });
      const first = plugin.generate(prompt, { maxNewTokens: 6 });
      const ids: number[] = [];
      const firstDelta = await first.next();
      expect(firstDelta.value).toMatchObject({ type: 'token' });
      if (firstDelta.value?.type === 'token') ids.push(firstDelta.value.tokenId);

      const second = plugin.generateText('Hi', { maxNewTokens: 2 });
      // Nothing else may touch the cache meanwhile, a reset included.
      for (const call of [
        () => plugin.forward([1]),
        () => plugin.forward([1], { reset: true }),
        () => plugin.infer({ inputIds: [1] }),
      ]) {
        expect(PluginStateError.isInstance(await rejection(call))).toBe(true);
      }

      let finish: unknown;
      for await (const delta of { [Symbol.asyncIterator]: () => first }) {
        if (delta.type === 'token') ids.push(delta.tokenId);
        else finish = delta;
      }
      expect(finish).toMatchObject({ type: 'finish', finishReason: 'length', usage: { completionTokens: 6 } });
      expect(ids).toEqual(undisturbed.ids);
      expect((await second).ids).toEqual(alone.ids);
      // Free again.
      expect((await plugin.generateText('Hi', { maxNewTokens: 2 })).ids).toHaveLength(2);
    });
  });

  it('infer, generateText and tokenize after cleanup: PluginStateError', async () => {
    const plugin = await createPlugin();
    await plugin.initialize({ checkpoint: checkpoints.good.dir, cacheDir: join(checkpoints.root, 'shared-cache') });
    expect(plugin.tokenize('Hello')).toEqual([15496]);
    await plugin.cleanup();
    expect(plugin.isLoaded).toBe(false);
    for (const call of [
      () => plugin.infer({ inputIds: [1, 2] }),
      () => plugin.generateText('Hello'),
      async () => plugin.tokenize('Hello'),
    ]) {
      const error = await rejection(call);
      expect(PluginStateError.isInstance(error)).toBe(true);
      expect(error.message).toContain('the plugin is not initialized');
    }
    await plugin.cleanup();
  });
});
