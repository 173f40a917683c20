import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, pluginPackageJson } from '../../test/helpers/plugin-package-json.js';
import type { PluginFactory } from '../contract/model-plugin.js';
import type { HostInfo } from '../discovery/host-info.js';
import { CheckpointError } from '../errors/checkpoint-error.js';
import { NoPluginForCheckpointError } from '../errors/no-plugin-for-checkpoint-error.js';
import { detectCheckpointFormats } from './detect-checkpoint-formats.js';
import { findGgufFile } from './find-gguf-file.js';
import { PluginManager } from './plugin-manager.js';
import { readGgufArchitecture } from './read-gguf-architecture.js';

const host: HostInfo = { coreVersion: '0.1.0', nodeVersion: '20.20.2', totalMemoryGb: 16, onnxruntimeVersion: () => '1.30.0' };

/** A GGUF v3 header with no tensors: a large token array before `general.architecture`, as real files may order them. */
function ggufHeader(architecture: string | undefined, tokens = 20_000): Buffer {
  const parts: Buffer[] = [];
  const u32 = (value: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    parts.push(b);
  };
  const u64 = (value: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    parts.push(b);
  };
  const str = (text: string) => {
    u64(Buffer.byteLength(text));
    parts.push(Buffer.from(text));
  };
  u32(0x46554747);
  u32(3);
  u64(0);
  u64(architecture === undefined ? 2 : 3);
  str('tokenizer.ggml.tokens');
  u32(9);
  u32(8);
  u64(tokens);
  for (let id = 0; id < tokens; id++) str(`token-${id}`);
  str('general.alignment');
  u32(4);
  u32(32);
  if (architecture !== undefined) {
    str('general.architecture');
    u32(8);
    str(architecture);
  }
  return Buffer.concat(parts);
}

const noFactory: PluginFactory = () => {
  throw new Error('not activated in these tests');
};

function manager(): PluginManager {
  const m = new PluginManager({ host });
  m.register({
    packageJson: pluginPackageJson('@pio/model-llama', {
      pio: { modelTypes: ['llama'], architectures: ['LlamaForCausalLM'], formats: ['safetensors', 'gguf'] },
    }),
    packageDir: '/plugins/model-llama',
    factory: noFactory,
  });
  m.register({
    packageJson: pluginPackageJson('safetensors-only-qwen3', { pio: { modelTypes: ['qwen3'], architectures: [] } }),
    packageDir: '/plugins/st-qwen3',
    factory: noFactory,
  });
  m.register({
    packageJson: pluginPackageJson('@pio/model-qwen3', {
      pio: { modelTypes: ['qwen3'], architectures: ['Qwen3ForCausalLM'], formats: ['safetensors', 'gguf'] },
    }),
    packageDir: '/plugins/model-qwen3',
    factory: noFactory,
  });
  return m;
}

let dir: string;
beforeAll(() => {
  dir = makeTempDir('pio-gguf-detect-');
  writeFileSync(join(dir, 'llama.gguf'), ggufHeader('llama'));
  writeFileSync(join(dir, 'qwen3.gguf'), ggufHeader('qwen3'));
  writeFileSync(join(dir, 'gemma.gguf'), ggufHeader('gemma3'));
  writeFileSync(join(dir, 'nameless.gguf'), ggufHeader(undefined));
  writeFileSync(join(dir, 'truncated.gguf'), ggufHeader('llama').subarray(0, 5000));
  writeFileSync(join(dir, 'not-gguf.gguf'), 'hello, world');
  mkdirSync(join(dir, 'one'));
  writeFileSync(join(dir, 'one', 'model-Q4_K_M.gguf'), ggufHeader('qwen3'));
  mkdirSync(join(dir, 'split'));
  for (const shard of ['00001', '00002']) writeFileSync(join(dir, 'split', `m-${shard}-of-00002.gguf`), ggufHeader('llama'));
  mkdirSync(join(dir, 'two'));
  writeFileSync(join(dir, 'two', 'a.gguf'), ggufHeader('llama'));
  writeFileSync(join(dir, 'two', 'b.gguf'), ggufHeader('llama'));
});

describe('GGUF checkpoints', () => {
  it('finds the GGUF of a path: the file, a folder with one GGUF or one split set; not a safetensors folder', async () => {
    expect(await findGgufFile(join(dir, 'llama.gguf'))).toBe(join(dir, 'llama.gguf'));
    expect(await findGgufFile(join(dir, 'one'))).toBe(join(dir, 'one', 'model-Q4_K_M.gguf'));
    expect(await findGgufFile(join(dir, 'split'))).toBe(join(dir, 'split', 'm-00001-of-00002.gguf'));
    await expect(findGgufFile(join(dir, 'two'))).rejects.toThrow(CheckpointError);
    mkdirSync(join(dir, 'mixed'));
    writeFileSync(join(dir, 'mixed', 'model.safetensors'), '');
    writeFileSync(join(dir, 'mixed', 'model.gguf'), ggufHeader('llama'));
    expect(await findGgufFile(join(dir, 'mixed'))).toBeUndefined();
    expect(await detectCheckpointFormats(join(dir, 'one'))).toEqual(['gguf']);
    expect(await detectCheckpointFormats(join(dir, 'llama.gguf'))).toEqual(['gguf']);
  });

  it('reads general.architecture past a large vocabulary; typed errors for other files', async () => {
    expect(await readGgufArchitecture(join(dir, 'llama.gguf'))).toBe('llama');
    for (const name of ['nameless.gguf', 'truncated.gguf', 'not-gguf.gguf']) {
      const error = await readGgufArchitecture(join(dir, name)).catch((e: unknown) => e);
      expect(CheckpointError.isInstance(error), name).toBe(true);
      expect((error as Error).message).toContain(name);
    }
  });

  it('picks the plugin declaring the gguf format and the architecture as a model type', async () => {
    const m = manager();
    expect((await m.findForCheckpoint(join(dir, 'llama.gguf'))).metadata.name).toBe('@pio/model-llama');
    expect((await m.findForCheckpoint(join(dir, 'qwen3.gguf'))).metadata.name).toBe('@pio/model-qwen3');
    expect((await m.findForCheckpoint(join(dir, 'one'))).metadata.name).toBe('@pio/model-qwen3');
  });

  it('an unsupported architecture names it and the supported ones', async () => {
    const error = await manager()
      .findForCheckpoint(join(dir, 'gemma.gguf'))
      .catch((e: unknown) => e);
    expect(NoPluginForCheckpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('"gemma3"');
    expect((error as Error).message).toContain('Supported GGUF architectures: llama, qwen3');
  });
});
