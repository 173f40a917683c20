import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PioError } from '@pio/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateModelPackage } from './generate-model-package.js';

describe('generateModelPackage', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-generate-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const errorOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('writes the options into the manifest, JSON-safe, and the first model type into the tests', async () => {
    const result = await generateModelPackage({
      name: 'gpt-neox',
      targetDir: 'out',
      cwd: root,
      displayName: 'GPT-NeoX "20B"',
      family: 'EleutherAI',
      author: 'Ada <ada@example.com>',
      modelTypes: ['gpt_neox', 'gpt_neox'],
      architectures: ['GPTNeoXForCausalLM'],
    });
    expect(result.dir).toBe(join(root, 'out', 'gpt-neox'));
    const json = JSON.parse(await readFile(join(result.dir, 'package.json'), 'utf8'));
    expect(json.name).toBe('@pio/model-gpt-neox');
    expect(json.description).toBe('PIO model plugin for GPT-NeoX "20B" checkpoints (GPTNeoXForCausalLM).');
    expect(json.pio).toMatchObject({
      displayName: 'GPT-NeoX "20B"',
      family: 'EleutherAI',
      author: 'Ada <ada@example.com>',
      modelTypes: ['gpt_neox'],
      architectures: ['GPTNeoXForCausalLM'],
      entryPoint: { export: '.', factory: 'createGptNeoxPlugin' },
    });
    const pluginTest = await readFile(join(result.dir, 'src/plugin.test.ts'), 'utf8');
    expect(pluginTest).toContain("model_type: 'gpt_neox',");
    expect(pluginTest).toContain("architectures: ['GPTNeoXForCausalLM'],");
    expect(pluginTest).toContain('createPlugin: createGptNeoxPlugin,');
    const plugin = await readFile(join(result.dir, 'src/plugin.ts'), 'utf8');
    expect(plugin).toContain('export const gptNeoxDefinition: DecoderModelDefinition<GptNeoxConfig> = {');
    expect(plugin).toContain("buildVersion: 'gpt-neox-1',");
    expect(plugin).toContain("from './architecture/build-gpt-neox-graph.js';");
    expect(plugin).toContain('new DecoderTextPlugin(context, gptNeoxDefinition)');
    const graph = await readFile(join(result.dir, 'src/architecture/build-gpt-neox-graph.ts'), 'utf8');
    expect(graph).toContain('export async function buildGptNeoxGraph(args: BuildGraphsArgs<GptNeoxConfig>)');
    expect(json.dependencies).toMatchObject({ '@pio/engine': 'workspace:^', '@pio/onnx': 'workspace:^' });
    for (const file of result.files) {
      expect(await readFile(join(result.dir, file), 'utf8'), file).not.toMatch(/__[A-Za-z]+__/);
    }
  });

  it('defaults to models/ of the workspace it is run in', async () => {
    const workspace = join(root, 'repo');
    await mkdir(join(workspace, 'packages/cli'), { recursive: true });
    await writeFile(join(workspace, 'pnpm-workspace.yaml'), 'packages:\n  - models/*\n');
    const result = await generateModelPackage({ name: 'phi3', cwd: join(workspace, 'packages/cli') });
    expect(result.dir).toBe(join(workspace, 'models', 'phi3'));
  });

  it('refuses a non-empty folder without force, and with force rewrites only its own files', async () => {
    const options = { name: 'qwen3', targetDir: join(root, 'force') };
    const { dir } = await generateModelPackage(options);
    await writeFile(join(dir, 'src/config.ts'), '// edited\n');
    await mkdir(join(dir, 'src/attention'));
    await writeFile(join(dir, 'src/attention/attention.ts'), 'export {};\n');

    const error = await errorOf(generateModelPackage(options));
    expect(PioError.isInstance(error) && error.code).toBe('PIO_TARGET_EXISTS');
    expect((error as Error).message).toContain(`${dir} already exists and is not empty`);
    expect((error as Error).message).toContain('--force');
    expect(await readFile(join(dir, 'src/config.ts'), 'utf8')).toBe('// edited\n');

    await generateModelPackage({ ...options, force: true });
    expect(await readFile(join(dir, 'src/config.ts'), 'utf8')).toContain('export class Qwen3Config extends DecoderConfig');
    expect(await readFile(join(dir, 'src/attention/attention.ts'), 'utf8')).toBe('export {};\n');
  });

  it('writes into an existing empty folder', async () => {
    await mkdir(join(root, 'empty', 'mamba'), { recursive: true });
    const { files } = await generateModelPackage({ name: 'mamba', targetDir: join(root, 'empty') });
    expect(files).toHaveLength(12);
  });

  it.each([
    [{ name: 'Bad_Name' }, 'PIO_MODEL_NAME_INVALID', 'Invalid model name "Bad_Name": it has uppercase letters'],
    [{ name: 'ok', modelTypes: [] }, 'PIO_GENERATOR_OPTION_INVALID', 'Invalid --model-type []: at least one is needed'],
    [{ name: 'ok', modelTypes: ['Llama'] }, 'PIO_GENERATOR_OPTION_INVALID', 'Invalid --model-type "Llama"'],
    [{ name: 'ok', architectures: ["X'; drop"] }, 'PIO_GENERATOR_OPTION_INVALID', 'Invalid --architecture "X\'; drop"'],
    [{ name: 'ok', displayName: ' ' }, 'PIO_GENERATOR_OPTION_INVALID', 'Invalid --display-name " "'],
    [
      { name: 'ok', author: 'a\nb' },
      'PIO_GENERATOR_OPTION_INVALID',
      'Invalid --author "a\\nb": it must be one non-empty line',
    ],
  ])('refuses %j before writing anything', async (options, code, message) => {
    const targetDir = join(root, 'refused');
    const error = await errorOf(generateModelPackage({ ...options, targetDir }));
    expect(PioError.isInstance(error) && error.code).toBe(code);
    expect((error as Error).message).toContain(message);
    await expect(readFile(join(targetDir, options.name, 'package.json'))).rejects.toThrow(/ENOENT/);
  });
});
