import { cp, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@pio/core';
import { decoderIo } from '@pio/engine';
import { OnnxImportError, onnx, prepareOptimumDecoder } from '@pio/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxPlugin } from '../src/index.js';
import { type ExportedCheckpoint, exportedCheckpoint, packageDir, pluginMetadata } from './fixtures.js';

let root: string;
let inline: ExportedCheckpoint;
let external: ExportedCheckpoint;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-onnx-errors-'));
  inline = await exportedCheckpoint(root, 'inline', { tokenizer: 'gpt2', seed: 7 });
  external = await exportedCheckpoint(root, 'external', { tokenizer: 'gpt2', seed: 8 }, true);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A copy of `from` (the whole folder) at `root/name`, for breaking. */
async function copyFolder(from: string, name: string): Promise<string> {
  const dir = join(root, name);
  await cp(from, dir, { recursive: true });
  return dir;
}

/** What initializing the plugin on `dir` throws (and that it is left unloaded). */
async function initializeError(dir: string, runtime: Record<string, unknown> = {}): Promise<unknown> {
  const plugin = await createOnnxPlugin({ metadata: await pluginMetadata(), packageDir });
  const error = await plugin.initialize({ checkpoint: dir, cacheDir: join(root, 'cache'), runtime }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(plugin.isLoaded).toBe(false);
  await plugin.cleanup();
  return error;
}

function expectImportError(error: unknown, ...fragments: string[]): void {
  expect(OnnxImportError.isInstance(error), String(error)).toBe(true);
  expect((error as OnnxImportError).code).toBe('PIO_ONNX_IMPORT');
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

/** Writes a small graph with the given inputs (all feeding one Identity to `logits`) as onnx/model.onnx. */
async function writeTinyGraph(dir: string, inputs: string[]): Promise<void> {
  const valueInfo = (name: string) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: name === 'input_ids' ? 7 : 1 } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'tiny',
      node: [{ opType: 'Identity', input: [inputs[inputs.length - 1]!], output: ['logits'] }],
      input: inputs.map(valueInfo),
      output: [valueInfo('logits')],
    },
  });
  await writeFile(join(dir, 'onnx', 'model.onnx'), onnx.ModelProto.encode(model).finish());
}

describe('@pio/model-onnx refuses broken folders with OnnxImportError (what, where, hint)', () => {
  it('a folder without onnx/', async () => {
    const dir = await copyFolder(inline.dir, 'no-onnx');
    await rm(join(dir, 'onnx'), { recursive: true });
    expectImportError(
      await initializeError(dir),
      `${join(dir, 'onnx')}`,
      'has no onnx/*.onnx graph',
      'transformers.js',
    );
  });

  it('a dtype variant that is not in the folder, listing those that are', async () => {
    expectImportError(
      await initializeError(inline.dir, { variant: 'q4' }),
      '"q4" (onnx/model_q4.onnx) is not in the folder',
      'Available: fp32 (model.onnx)',
    );
    expectImportError(await initializeError(inline.dir, { variant: 'q3' }), '"q3" is not a known variant');
    expectImportError(
      await initializeError(inline.dir, { dtype: 'int4' }),
      'dtype int4 asks for one of the variants q4, bnb4, q4f16, and the folder has none',
    );
  });

  it('a truncated model file', async () => {
    const dir = await copyFolder(inline.dir, 'truncated');
    const file = join(dir, 'onnx', 'model.onnx');
    await truncate(file, Math.floor((await readFile(file)).byteLength / 2));
    expectImportError(await initializeError(dir), file, 'truncated');
  });

  it('a missing or truncated external data file', async () => {
    const missing = await copyFolder(external.dir, 'missing-data');
    await rm(join(missing, 'onnx', 'model.onnx_data'));
    expectImportError(
      await initializeError(missing),
      'external data file model.onnx_data is missing',
      'Put model.onnx_data next to model.onnx',
    );
    const short = await copyFolder(external.dir, 'short-data');
    await truncate(join(short, 'onnx', 'model.onnx_data'), 1000);
    expectImportError(await initializeError(short), 'has 1000 bytes', 'truncated');
  });

  it('a graph without a KV cache, and an encoder-decoder decoder', async () => {
    const noPast = await copyFolder(inline.dir, 'no-past');
    await writeTinyGraph(noPast, ['input_ids', 'attention_mask']);
    expectImportError(await initializeError(noPast), 'no past_key_values.0.key input', 'text-generation-with-past');
    const seq2seq = await copyFolder(inline.dir, 'seq2seq');
    await writeTinyGraph(seq2seq, ['input_ids', 'encoder_hidden_states', 'past_key_values.0.key']);
    expectImportError(await initializeError(seq2seq), 'encoder-decoder');
  });

  it('a config.json that does not match the graph (layers), or lacks the sizes', async () => {
    const dir = await copyFolder(inline.dir, 'wrong-layers');
    const configPath = join(dir, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(configPath, JSON.stringify({ ...config, num_hidden_layers: 3 }));
    expectImportError(await initializeError(dir), 'past_key_values for 2 layers', 'num_hidden_layers = 3');
    const { hidden_size: _hidden, ...withoutHidden } = config;
    await writeFile(configPath, JSON.stringify(withoutHidden));
    const error = await initializeError(dir);
    expect(ConfigError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toContain('does not give hidden_size');
  });
});

describe('prepareOptimumDecoder', () => {
  it('gathers logit rows before the LM head, takes the new K/V from the Concat, and hard-links external data', async () => {
    const outDir = join(root, 'prepared');
    await mkdir(outDir);
    const prepared = await prepareOptimumDecoder({
      modelPath: join(external.dir, 'onnx', 'model.onnx'),
      outDir,
      io: decoderIo,
      shape: {
        numLayers: 2,
        numKeyValueHeads: 2,
        headDim: 16,
        hiddenSize: 64,
        vocabSize: external.checkpoint.config.vocab_size,
      },
    });
    expect(prepared).toMatchObject({
      modelFile: 'decoder.onnx',
      cacheType: 'float32',
      logitRows: 'hidden',
      computed: { attentionMask: true, positionIds: true },
      dataFiles: ['model.onnx_data'],
      dataLinks: 'hard',
      pastPadding: 'mask',
    });
    const model = onnx.ModelProto.decode(await readFile(join(outDir, 'decoder.onnx')));
    expect((model.graph?.input ?? []).map((input) => input.name)).toEqual([
      'input_ids',
      'logit_indices',
      'past_key.0',
      'past_value.0',
      'past_key.1',
      'past_value.1',
    ]);
    expect((model.graph?.output ?? []).map((output) => output.name)).toEqual([
      'logits',
      'new_key.0',
      'new_value.0',
      'new_key.1',
      'new_value.1',
    ]);
    // Only the two shape Slices: the padding row is masked (not sliced off) and the new K/V come from the Concats.
    expect((model.graph?.node ?? []).filter((node) => node.opType === 'Slice')).toHaveLength(2);
  });
});
