import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, ConfigError, DecoderConfig } from '@pio/core';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphSaveOptions } from '../decoder/graph-save-options.js';
import type { BuildGraphsArgs, DecoderModelDefinition } from '../plugin/decoder-model-definition.js';
import { ExportError } from './export-error.js';
import { exportTransformersJsFolder } from './export-transformers-js-folder.js';

let root: string;
let checkpoint: string;
const builds: BuildGraphsArgs<DecoderConfig>[] = [];

/** A definition whose builder writes placeholder files where a real one saves its graph. */
function definition(
  fileFor: (args: BuildGraphsArgs<DecoderConfig>) => string = (args) => graphSaveOptions(args).modelFile,
) {
  return {
    configClass: DecoderConfig,
    buildVersion: 'test-1',
    async buildGraphs(args) {
      builds.push(args);
      const file = fileFor(args);
      await writeFile(join(args.outDir, file), 'graph');
      if (graphSaveOptions(args).externalData === true) await writeFile(join(args.outDir, `${file}_data`), 'weights');
      return { graphs: { decode: file }, parameters: 42, weightBytes: 7 };
    },
  } satisfies DecoderModelDefinition<DecoderConfig>;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-export-'));
  checkpoint = (await writeRandomCheckpoint(join(root, 'checkpoint'), { arch: 'qwen3', tokenizer: 'gpt2', seed: 1 }))
    .dir;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;

describe('exportTransformersJsFolder', () => {
  it('builds the Optimum graph in float32 for every position, and writes config, generation config and tokenizer', async () => {
    const outDir = join(root, 'plain');
    const exported = await exportTransformersJsFolder({ definition: definition(), checkpoint, outDir });
    const args = builds.at(-1)!;
    expect(args.ioStyle).toBe('optimum');
    expect(args.outDir).toBe(join(outDir, 'onnx'));
    expect([args.config.dtype, args.config.maxContextLength]).toEqual(['float32', args.config.maxPositionEmbeddings]);
    expect(exported).toEqual({
      dir: outDir,
      files: ['onnx/model.onnx', 'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'],
      externalData: false,
      parameters: 42,
    });
    const source = await readJson(join(checkpoint, 'config.json'));
    expect(await readJson(join(outDir, 'config.json'))).toEqual({
      ...source,
      'transformers.js_config': { dtype: 'fp32' },
    });
    for (const file of ['generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(await readFile(join(outDir, file), 'utf8')).toBe(await readFile(join(checkpoint, file), 'utf8'));
    }
  });

  it('covers every declared position even beyond the runtime default context cap of 32768', async () => {
    const long = (
      await writeRandomCheckpoint(join(root, 'long'), {
        arch: 'qwen3',
        tokenizer: 'gpt2',
        seed: 1,
        config: { max_position_embeddings: 40960 },
      })
    ).dir;
    await exportTransformersJsFolder({ definition: definition(), checkpoint: long, outDir: join(root, 'long-out') });
    expect(builds.at(-1)!.config.maxContextLength).toBe(40960);
  });

  it('says so in config.json when the weights are in model.onnx_data, and removes a stale one when they are not', async () => {
    const outDir = join(root, 'external');
    const external = await exportTransformersJsFolder({
      definition: definition(),
      checkpoint,
      outDir,
      externalData: true,
    });
    expect(external.externalData).toBe(true);
    expect(external.files.slice(0, 2)).toEqual(['onnx/model.onnx', 'onnx/model.onnx_data']);
    expect((await readJson(join(outDir, 'config.json')))['transformers.js_config']).toEqual({
      dtype: 'fp32',
      use_external_data_format: true,
    });
    const inline = await exportTransformersJsFolder({ definition: definition(), checkpoint, outDir });
    expect(inline.externalData).toBe(false);
    expect(await readdir(join(outDir, 'onnx'))).toEqual(['model.onnx']);
  });

  it('copies chat template files when present, and derives generation_config.json from config.json when absent', async () => {
    const dir = join(root, 'bare-checkpoint');
    await mkdir(dir, { recursive: true });
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) {
      await writeFile(join(dir, file), await readFile(join(checkpoint, file)));
    }
    await writeFile(join(dir, 'chat_template.jinja'), '{{ messages }}');
    const outDir = join(root, 'bare');
    const exported = await exportTransformersJsFolder({ definition: definition(), checkpoint: dir, outDir });
    expect(exported.files).toContain('chat_template.jinja');
    const config = await readJson(join(dir, 'config.json'));
    expect(await readJson(join(outDir, 'generation_config.json'))).toEqual({
      bos_token_id: config.bos_token_id,
      eos_token_id: config.eos_token_id,
    });
  });

  it('refuses a checkpoint without tokenizer files, before building anything', async () => {
    const dir = join(root, 'no-tokenizer');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), await readFile(join(checkpoint, 'config.json')));
    const count = builds.length;
    const error = await exportTransformersJsFolder({
      definition: definition(),
      checkpoint: dir,
      outDir: join(root, 'x'),
    }).catch((e: unknown) => e);
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as CheckpointError).file).toBe(join(dir, 'tokenizer.json'));
    expect((error as Error).message).toContain('transformers.js needs it to tokenize');
    expect(builds.length).toBe(count);
  });

  it('refuses a config the definition does not support', async () => {
    const unsupported = {
      ...definition(),
      supportsConfig: () => ({ supported: false as const, reason: 'no sliding window' }),
    };
    const error = await exportTransformersJsFolder({
      definition: unsupported,
      checkpoint,
      outDir: join(root, 'y'),
    }).catch((e: unknown) => e);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('no sliding window');
  });

  it('throws ExportError when the builder does not write model.onnx for the Optimum I/O', async () => {
    const error = await exportTransformersJsFolder({
      definition: definition(() => 'decoder.onnx'),
      checkpoint,
      outDir: join(root, 'z'),
    }).catch((e: unknown) => e);
    expect(ExportError.isInstance(error)).toBe(true);
    expect((error as ExportError).code).toBe('PIO_EXPORT_FAILED');
    expect((error as Error).message).toContain(
      "wrote [decoder.onnx] for ioStyle 'optimum', but transformers.js loads one graph, onnx/model.onnx",
    );
    expect((error as Error).message).toContain('graphSaveOptions(args)');
  });
});
