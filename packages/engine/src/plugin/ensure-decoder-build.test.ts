import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecoderConfig, PluginStateError } from '@pio/core';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecoderModelDefinition } from './decoder-model-definition.js';
import { type DecoderBuild, ensureDecoderBuild, openDecoderBuild } from './ensure-decoder-build.js';

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

describe('openDecoderBuild', () => {
  /** Opens by reading the graph file (a stand-in for session creation); `failOn` makes an open throw. */
  function opener(failOn?: (content: string) => boolean) {
    const opened: string[] = [];
    const closed: string[] = [];
    const open = async (build: DecoderBuild) => {
      const content = await readFile(build.graphs.decode, 'utf8');
      opened.push(content);
      if (failOn?.(content)) throw new Error(`cannot parse ${content}`);
      return content;
    };
    const close = async (content: string) => {
      closed.push(content);
    };
    return { open, close, opened, closed };
  }

  it('opens a cached build once and returns it after its hashes are checked', async () => {
    const { definition, calls } = countingDefinition();
    const cacheDir = join(root, 'cache-open-a');
    const first = await openDecoderBuild(argsFor(definition, cacheDir), opener().open, opener().close);
    expect(first.build.fromCache).toBe(false);
    const { open, close, opened, closed } = opener();
    const second = await openDecoderBuild(argsFor(definition, cacheDir), open, close);
    expect(second).toMatchObject({ opened: 'graph', build: { fromCache: true } });
    expect([opened, closed, calls.length]).toEqual([['graph'], [], 1]);
  });

  it('closes what it opened from a damaged build, rebuilds with a notice, and opens the new build', async () => {
    const { definition, calls } = countingDefinition();
    const cacheDir = join(root, 'cache-open-b');
    const notices: string[] = [];
    const args = {
      ...argsFor(definition, cacheDir),
      onProgress: (p: { message?: string }) => notices.push(p.message!),
    };
    const first = await openDecoderBuild(args, opener().open, opener().close);
    await writeFile(first.build.graphs.decode, 'GRAPH'); // same size, other bytes
    const { open, close, opened, closed } = opener();
    const again = await openDecoderBuild(args, open, close);
    expect(again).toMatchObject({ opened: 'graph', build: { fromCache: false } });
    expect([opened, closed, calls.length]).toEqual([['GRAPH', 'graph'], ['GRAPH'], 2]);
    expect(notices).toEqual([expect.stringContaining('decoder.onnx does not match its checksum')]);
  });

  it('retries an open that failed on a damaged build, and throws the error of one that fails on a sound build', async () => {
    const { definition } = countingDefinition();
    const cacheDir = join(root, 'cache-open-c');
    const first = await openDecoderBuild(argsFor(definition, cacheDir), opener().open, opener().close);
    await writeFile(first.build.graphs.decode, 'GRAPH');
    const damagedOnly = opener((content) => content === 'GRAPH');
    const again = await openDecoderBuild(argsFor(definition, cacheDir), damagedOnly.open, damagedOnly.close);
    expect([again.opened, damagedOnly.opened, damagedOnly.closed]).toEqual(['graph', ['GRAPH', 'graph'], []]);
    const always = opener(() => true);
    await expect(openDecoderBuild(argsFor(definition, cacheDir), always.open, always.close)).rejects.toThrow(
      'cannot parse graph',
    );
    expect(always.opened).toEqual(['graph']);
  });
});
