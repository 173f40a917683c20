import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecoderConfig, PluginStateError } from '@pio/core';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecoderModelDefinition } from './decoder-model-definition.js';
import { ensureDecoderBuild } from './ensure-decoder-build.js';

let root: string;
let checkpoint: string;
let json: Record<string, unknown>;
let config: DecoderConfig;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-ensure-build-'));
  checkpoint = (await writeRandomCheckpoint(join(root, 'checkpoint'), { arch: 'qwen3', tokenizer: 'gpt2' })).dir;
  json = JSON.parse(await readFile(join(checkpoint, 'config.json'), 'utf8'));
  config = DecoderConfig.fromHuggingFace(json);
});

afterAll(() => rm(root, { recursive: true, force: true }));

/** A definition whose builder writes a placeholder graph and counts its calls and the weights it saw. */
function countingDefinition(buildVersion = 'test-1') {
  const calls: { hasEmbedding: boolean }[] = [];
  const definition = {
    configClass: DecoderConfig,
    buildVersion,
    async buildGraphs(args) {
      calls.push({ hasEmbedding: args.weights.has('model.embed_tokens.weight') });
      await writeFile(join(args.outDir, 'decoder.onnx'), 'graph');
      return { graphs: { decode: 'decoder.onnx' }, parameters: 42, weightBytes: 7 };
    },
  } satisfies DecoderModelDefinition<DecoderConfig>;
  return { definition, calls };
}

const argsFor = (definition: DecoderModelDefinition<DecoderConfig>, cacheDir: string) => ({
  definition,
  packageDir: join(root, 'no-package'),
  pluginName: '@pio/model-fake',
  config,
  checkpoint,
  cacheDir,
});

describe('ensureDecoderBuild', () => {
  it("builds once from the checkpoint's weights, then finds the build in the cache", async () => {
    const { definition, calls } = countingDefinition();
    const cacheDir = join(root, 'cache-a');
    const first = await ensureDecoderBuild(argsFor(definition, cacheDir));
    expect(first).toMatchObject({ parameters: 42, weightBytes: 7, fromCache: false });
    expect(first.graphs.decode.startsWith(join(cacheDir, 'builds'))).toBe(true);
    expect(await readFile(first.graphs.decode, 'utf8')).toBe('graph');
    expect(first.graphs.prefill).toBeUndefined();
    const second = await ensureDecoderBuild(argsFor(definition, cacheDir));
    expect(second).toEqual({ ...first, fromCache: true });
    expect(calls).toEqual([{ hasEmbedding: true }]);
  });

  it('builds anew when a build option changes (build version, dtype, context length)', async () => {
    const cacheDir = join(root, 'cache-b');
    const { definition, calls } = countingDefinition();
    const base = await ensureDecoderBuild(argsFor(definition, cacheDir));
    const bumped = await ensureDecoderBuild(argsFor(countingDefinition('test-2').definition, cacheDir));
    const int8 = await ensureDecoderBuild({
      ...argsFor(definition, cacheDir),
      config: DecoderConfig.fromHuggingFace(json, { dtype: 'int8' }),
    });
    const shorter = await ensureDecoderBuild({
      ...argsFor(definition, cacheDir),
      config: DecoderConfig.fromHuggingFace(json, { maxContextLength: 64 }),
    });
    const dirs = new Set([base, bumped, int8, shorter].map((build) => build.graphs.decode));
    expect(dirs.size).toBe(4);
    expect(calls).toHaveLength(3);
  });

  it('prepares graphs without opening the weights when the definition has prepareGraphs', async () => {
    const prepared: string[] = [];
    const definition: DecoderModelDefinition<DecoderConfig> = {
      configClass: DecoderConfig,
      buildVersion: 'prepared-1',
      async prepareGraphs(args) {
        prepared.push(args.checkpoint);
        await writeFile(join(args.outDir, 'model.onnx'), 'prepared');
        await writeFile(join(args.outDir, 'prefill.onnx'), 'prefill');
        return { graphs: { decode: 'model.onnx', prefill: 'prefill.onnx' }, parameters: 3, weightBytes: 4 };
      },
    };
    const build = await ensureDecoderBuild(argsFor(definition, join(root, 'cache-c')));
    expect(prepared).toEqual([checkpoint]);
    expect(await readFile(build.graphs.prefill!, 'utf8')).toBe('prefill');
    expect([build.parameters, build.weightBytes]).toEqual([3, 4]);
  });

  it('refuses a definition with neither builder', async () => {
    const definition = { configClass: DecoderConfig, buildVersion: 'none' };
    const refused = ensureDecoderBuild(argsFor(definition, join(root, 'cache-d')));
    await expect(refused).rejects.toThrow(PluginStateError);
    await expect(refused).rejects.toThrow(
      '@pio/model-fake: its model definition has neither buildGraphs nor prepareGraphs',
    );
  });
});
