import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, pluginPackageJson } from '../../test/helpers/plugin-package-json.js';
import type {
  ModelPlugin,
  PluginFactory,
  PluginFactoryContext,
  PluginInitializeOptions,
} from '../contract/model-plugin.js';
import type { HostInfo } from '../discovery/host-info.js';
import { CheckpointError } from '../errors/checkpoint-error.js';
import { IncompatiblePluginError } from '../errors/incompatible-plugin-error.js';
import { ManifestError } from '../errors/manifest-error.js';
import { NoPluginForCheckpointError } from '../errors/no-plugin-for-checkpoint-error.js';
import { PluginLoadError } from '../errors/plugin-load-error.js';
import { UnknownPluginError } from '../errors/unknown-plugin-error.js';
import { detectCheckpointFormats } from './detect-checkpoint-formats.js';
import { PluginManager } from './plugin-manager.js';

const host: HostInfo = {
  coreVersion: '0.1.0',
  nodeVersion: '20.20.2',
  totalMemoryGb: 16,
  onnxruntimeVersion: () => '1.30.0',
};

/** What the fake plugins record, in call order. */
type Call = { plugin: string; instance: number; method: 'factory' | 'initialize' | 'cleanup'; argument?: unknown };

/** A factory of in-process v1 plugins that log their lifecycle into `calls`. */
function recordingFactory(calls: Call[]): PluginFactory {
  let instances = 0;
  return (context: PluginFactoryContext) => {
    const instance = ++instances;
    calls.push({ plugin: context.metadata.name, instance, method: 'factory', argument: context });
    let loaded = false;
    const plugin: ModelPlugin = {
      specificationVersion: 'v1',
      metadata: context.metadata,
      get isLoaded() {
        return loaded;
      },
      async initialize(options: PluginInitializeOptions) {
        calls.push({ plugin: context.metadata.name, instance, method: 'initialize', argument: options });
        loaded = true;
      },
      async loadModel() {
        throw new Error('not used here');
      },
      async infer(input: unknown) {
        return { echo: input };
      },
      supportsConfig: () => ({ supported: true }),
      async cleanup() {
        calls.push({ plugin: context.metadata.name, instance, method: 'cleanup' });
        loaded = false;
      },
      async [Symbol.asyncDispose]() {
        await this.cleanup();
      },
    };
    return plugin;
  };
}

/** A manager with the three test plugins registered in-process. */
function managerWithPlugins(calls: Call[] = []): PluginManager {
  const manager = new PluginManager({ host });
  manager.register({
    packageJson: pluginPackageJson('generic-llama', { pio: { modelTypes: ['llama'], architectures: [] } }),
    packageDir: '/plugins/generic-llama',
    factory: recordingFactory(calls),
  });
  manager.register({
    packageJson: pluginPackageJson('@pio/model-llama', {
      pio: { modelTypes: ['mistral'], architectures: ['LlamaForCausalLM'] },
    }),
    packageDir: '/plugins/model-llama',
    factory: recordingFactory(calls),
  });
  manager.register({
    packageJson: pluginPackageJson('@pio/model-qwen3', {
      pio: { modelTypes: ['qwen3'], architectures: ['Qwen3ForCausalLM'] },
    }),
    packageDir: '/plugins/model-qwen3',
    factory: recordingFactory(calls),
  });
  return manager;
}

let checkpoints: string;

beforeAll(() => {
  checkpoints = makeTempDir('pio-manager-');
  const write = (name: string, text: string) => {
    mkdirSync(join(checkpoints, name), { recursive: true });
    writeFileSync(join(checkpoints, name, 'config.json'), text);
  };
  write('smollm2', JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'] }));
  write('llama-custom-arch', JSON.stringify({ model_type: 'llama', architectures: ['MyLlamaForCausalLM'] }));
  write('qwen3', JSON.stringify({ model_type: 'qwen3', architectures: ['Qwen3ForCausalLM'] }));
  write('gpt2', JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }));
  write('bare', JSON.stringify({ hidden_size: 64 }));
  write('not-json', '{ "model_type": "llama", ');
  write('array', '["llama"]');
  mkdirSync(join(checkpoints, 'empty'));
});

afterAll(() => rmSync(checkpoints, { recursive: true, force: true }));

describe('PluginManager', () => {
  describe('register, list and get', () => {
    it('registers plugins with in-process factories and lists them in order', () => {
      const manager = managerWithPlugins();
      expect(manager.list().map((record) => [record.metadata.name, record.origin])).toEqual([
        ['generic-llama', 'registered'],
        ['@pio/model-llama', 'registered'],
        ['@pio/model-qwen3', 'registered'],
      ]);
      const record = manager.get('@pio/model-qwen3');
      expect(record.metadata.architectures).toEqual(['Qwen3ForCausalLM']);
      expect(record.packageDir).toBe(resolve('/plugins/model-qwen3'));
      expect(record.packageJsonPath).toBe(resolve('/plugins/model-qwen3/package.json'));
    });

    it('replaces a plugin registered twice under the same name', () => {
      const manager = managerWithPlugins();
      manager.register({ packageJson: pluginPackageJson('generic-llama', { version: '2.0.0' }) });
      expect(manager.list()).toHaveLength(3);
      expect(manager.get('generic-llama').metadata.version).toBe('2.0.0');
    });

    it('throws UnknownPluginError listing the installed plugins', () => {
      const manager = managerWithPlugins();
      expect(() => manager.get('@pio/model-gpt2')).toThrow(
        'Unknown model plugin "@pio/model-gpt2". Installed plugins: generic-llama, @pio/model-llama, @pio/model-qwen3.\n' +
          'Install it (for example `pnpm add @pio/model-gpt2`) or pick one of the installed plugins.',
      );
      try {
        new PluginManager({ host }).get('x');
      } catch (error) {
        expect(UnknownPluginError.isInstance(error)).toBe(true);
        expect((error as UnknownPluginError).installed).toEqual([]);
      }
      expect.assertions(3);
    });

    it('refuses invalid manifests and incompatible plugins', () => {
      const manager = new PluginManager({ host });
      expect(() => manager.register({ packageJson: pluginPackageJson('bad', { pio: { type: 'widget' } }) })).toThrow(
        ManifestError,
      );
      let caught: unknown;
      try {
        manager.register({
          packageJson: pluginPackageJson('too-new', { pio: { compatibility: { core: '^1.0.0', node: '>=99' } } }),
          packageDir: '/plugins/too-new',
        });
      } catch (error) {
        caught = error;
      }
      expect(IncompatiblePluginError.isInstance(caught)).toBe(true);
      expect((caught as IncompatiblePluginError).issues).toEqual([
        { requirement: 'core', required: '^1.0.0', found: '0.1.0' },
        { requirement: 'node', required: '>=99', found: '20.20.2' },
      ]);
      expect((caught as IncompatiblePluginError).file).toBe(resolve('/plugins/too-new/package.json'));
      expect(manager.list()).toEqual([]);
    });
  });

  describe('findForCheckpoint', () => {
    it('prefers a plugin declaring the architecture over one declaring the model_type', async () => {
      const manager = managerWithPlugins();
      expect((await manager.findForCheckpoint(join(checkpoints, 'smollm2'))).metadata.name).toBe('@pio/model-llama');
      expect((await manager.findForCheckpoint(join(checkpoints, 'qwen3'))).metadata.name).toBe('@pio/model-qwen3');
    });

    it('falls back to the model_type when no plugin declares the architecture', async () => {
      const manager = managerWithPlugins();
      expect((await manager.findForCheckpoint(join(checkpoints, 'llama-custom-arch'))).metadata.name).toBe(
        'generic-llama',
      );
    });

    it('offers a folder only to plugins of its weight format; "*" architectures match any; safetensors win when both are present', async () => {
      const manager = managerWithPlugins();
      manager.register({
        packageJson: pluginPackageJson('@pio/model-onnx', {
          pio: { modelTypes: [], architectures: ['*'], formats: ['onnx'] },
        }),
        packageDir: '/plugins/model-onnx',
        factory: recordingFactory([]),
      });
      const folder = (name: string, files: string[]) => {
        const dir = join(checkpoints, name);
        mkdirSync(join(dir, 'onnx'), { recursive: true });
        writeFileSync(
          join(dir, 'config.json'),
          JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'] }),
        );
        for (const file of files) writeFileSync(join(dir, file), '');
        return dir;
      };
      const onnxOnly = folder('onnx-only', ['onnx/model.onnx', 'onnx/model_q4.onnx']);
      const both = folder('onnx-and-safetensors', ['onnx/model.onnx', 'model.safetensors']);
      const safetensorsOnly = folder('safetensors-only', ['model.safetensors']);
      expect(await detectCheckpointFormats(onnxOnly)).toEqual(['onnx']);
      expect(await detectCheckpointFormats(both)).toEqual(['safetensors', 'onnx']);
      expect(await detectCheckpointFormats(join(checkpoints, 'smollm2'))).toEqual([]);
      expect((await manager.findForCheckpoint(onnxOnly)).metadata.name).toBe('@pio/model-onnx');
      expect((await manager.findForCheckpoint(both)).metadata.name).toBe('@pio/model-llama');
      expect((await manager.findForCheckpoint(safetensorsOnly)).metadata.name).toBe('@pio/model-llama');
      // A config-only folder keeps the old matching (no format filter); "*" comes after exact matches.
      expect((await manager.findForCheckpoint(join(checkpoints, 'smollm2'))).metadata.name).toBe('@pio/model-llama');
      expect((await manager.findForCheckpoint(join(checkpoints, 'gpt2'))).metadata.name).toBe('@pio/model-onnx');
      expect(manager.get('@pio/model-onnx').metadata.formats).toEqual(['onnx']);
      expect(manager.get('@pio/model-llama').metadata.formats).toBeUndefined();
    });

    it('throws NoPluginForCheckpointError naming the installed plugins and what to install', async () => {
      const manager = managerWithPlugins();
      const error = await manager.findForCheckpoint(join(checkpoints, 'gpt2')).catch((e: unknown) => e);
      expect(NoPluginForCheckpointError.isInstance(error)).toBe(true);
      const noPlugin = error as NoPluginForCheckpointError;
      expect(noPlugin.code).toBe('PIO_NO_PLUGIN_FOR_CHECKPOINT');
      expect([noPlugin.checkpoint, noPlugin.modelType, noPlugin.architectures]).toEqual([
        join(checkpoints, 'gpt2'),
        'gpt2',
        ['GPT2LMHeadModel'],
      ]);
      expect(noPlugin.message).toBe(
        `No installed plugin handles the checkpoint ${join(checkpoints, 'gpt2')} (model_type "gpt2" and architectures [GPT2LMHeadModel]).\n` +
          'Installed plugins:\n' +
          '  - generic-llama: model types [llama], architectures []\n' +
          '  - @pio/model-llama: model types [mistral], architectures [LlamaForCausalLM]\n' +
          '  - @pio/model-qwen3: model types [qwen3], architectures [Qwen3ForCausalLM]\n' +
          'Install a plugin for it, for example `pnpm add @pio/model-gpt2`.',
      );
      const bare = (await manager.findForCheckpoint(join(checkpoints, 'bare')).catch((e: unknown) => e)) as Error;
      expect(NoPluginForCheckpointError.isInstance(bare)).toBe(true);
      expect(bare.message).toContain('(no model_type or architectures in config.json)');
    });

    it('throws CheckpointError naming config.json when it is missing, not JSON or not an object', async () => {
      const manager = managerWithPlugins();
      const cases: Array<[string, string]> = [
        ['empty', 'the file does not exist'],
        ['does-not-exist', 'the file does not exist'],
        ['not-json', 'it is not valid JSON ('],
        ['array', 'it must hold a JSON object'],
      ];
      for (const [name, reason] of cases) {
        const error = await manager.findForCheckpoint(join(checkpoints, name)).catch((e: unknown) => e);
        expect(CheckpointError.isInstance(error), name).toBe(true);
        const checkpointError = error as CheckpointError;
        expect(checkpointError.code).toBe('PIO_CHECKPOINT_INVALID');
        expect(checkpointError.file).toBe(join(checkpoints, name, 'config.json'));
        expect(checkpointError.message).toContain(
          `Invalid checkpoint file ${join(checkpoints, name, 'config.json')}: ${reason}`,
        );
      }
    });
  });

  describe('activate and deactivate', () => {
    it('calls the factory with the metadata and folder, then initialize with the options', async () => {
      const calls: Call[] = [];
      const manager = managerWithPlugins(calls);
      const options = { checkpoint: join(checkpoints, 'qwen3'), runtime: { numThreads: 1 } };
      const plugin = await manager.activate('@pio/model-qwen3', options);
      expect(plugin.isLoaded).toBe(true);
      expect(plugin.metadata).toBe(manager.get('@pio/model-qwen3').metadata);
      expect(await plugin.infer([1, 2])).toEqual({ echo: [1, 2] });
      expect(calls).toEqual([
        {
          plugin: '@pio/model-qwen3',
          instance: 1,
          method: 'factory',
          argument: { metadata: manager.get('@pio/model-qwen3').metadata, packageDir: resolve('/plugins/model-qwen3') },
        },
        { plugin: '@pio/model-qwen3', instance: 1, method: 'initialize', argument: options },
      ]);
      expect(manager.activePlugins()).toEqual([plugin]);
      const second = await manager.activate('@pio/model-qwen3', options);
      expect(second).not.toBe(plugin);
      expect(manager.activePlugins()).toEqual([plugin, second]);
    });

    it('rejects a plugin of specification version v2 with PluginLoadError, before initializing it', async () => {
      const manager = new PluginManager({ host });
      let initialized = false;
      manager.register({
        packageJson: pluginPackageJson('from-the-future'),
        packageDir: '/plugins/from-the-future',
        factory: () =>
          ({
            specificationVersion: 'v2',
            initialize: async () => {
              initialized = true;
            },
          }) as unknown as ModelPlugin,
      });
      const error = (await manager.activate('from-the-future', {}).catch((e: unknown) => e)) as PluginLoadError;
      expect(PluginLoadError.isInstance(error)).toBe(true);
      expect(error.code).toBe('PIO_PLUGIN_LOAD_FAILED');
      expect(error.packageName).toBe('from-the-future');
      expect(error.file).toBe(resolve('/plugins/from-the-future/package.json'));
      expect(error.message).toBe(
        `Could not load plugin from-the-future from ${resolve('/plugins/from-the-future/package.json')}: ` +
          'its plugin implements specification version "v2", but this @pio/core supports v1\n' +
          'Install a version of from-the-future that implements v1, or upgrade @pio/core.',
      );
      expect(initialized).toBe(false);
      expect(manager.activePlugins()).toEqual([]);
    });

    it('rejects a factory that returns nothing', async () => {
      const manager = new PluginManager({ host });
      manager.register({ packageJson: pluginPackageJson('empty'), factory: () => undefined as unknown as ModelPlugin });
      await expect(manager.activate('empty', {})).rejects.toThrow('implements specification version undefined');
    });

    it('wraps a factory that throws in PluginLoadError, keeping the cause', async () => {
      const manager = new PluginManager({ host });
      const cause = new RangeError('no weights for you');
      manager.register({
        packageJson: pluginPackageJson('thrower'),
        factory: () => {
          throw cause;
        },
      });
      const error = (await manager.activate('thrower', {}).catch((e: unknown) => e)) as PluginLoadError;
      expect(PluginLoadError.isInstance(error)).toBe(true);
      expect(error.cause).toBe(cause);
      expect(error.message.split('\n')[0]).toMatch(/: its factory createPlugin\(\) threw: no weights for you$/);
      // An async factory that rejects is treated the same way.
      manager.register({ packageJson: pluginPackageJson('rejecter'), factory: async () => Promise.reject(cause) });
      await expect(manager.activate('rejecter', {})).rejects.toMatchObject({ code: 'PIO_PLUGIN_LOAD_FAILED', cause });
    });

    it('passes on what initialize throws, cleans the plugin up and keeps it out of the active list', async () => {
      const manager = new PluginManager({ host });
      const failure = new Error('bad checkpoint');
      const calls: Call[] = [];
      manager.register({
        packageJson: pluginPackageJson('fragile'),
        factory: (context) => ({
          ...(recordingFactory(calls)(context) as ModelPlugin),
          initialize: async () => Promise.reject(failure),
        }),
      });
      await expect(manager.activate('fragile', {})).rejects.toBe(failure);
      expect(manager.activePlugins()).toEqual([]);
      expect(calls.map((call) => call.method)).toEqual(['factory', 'cleanup']);
    });

    it('throws UnknownPluginError when activating a name it does not know', async () => {
      await expect(managerWithPlugins().activate('nope', {})).rejects.toMatchObject({ code: 'PIO_PLUGIN_UNKNOWN' });
    });

    it('deactivates one instance, or every instance of a name, calling cleanup once each', async () => {
      const calls: Call[] = [];
      const manager = managerWithPlugins(calls);
      const a = await manager.activate('generic-llama', {});
      const b = await manager.activate('generic-llama', {});
      const c = await manager.activate('@pio/model-llama', {});
      const cleanups = () =>
        calls.filter((call) => call.method === 'cleanup').map((call) => [call.plugin, call.instance]);

      await manager.deactivate(a);
      expect(cleanups()).toEqual([['generic-llama', 1]]);
      expect(manager.activePlugins()).toEqual([b, c]);
      await manager.deactivate(a);
      expect(cleanups()).toHaveLength(1);

      await manager.deactivate('@pio/model-llama');
      expect(cleanups()).toEqual([
        ['generic-llama', 1],
        ['@pio/model-llama', 1],
      ]);
      expect(manager.activePlugins()).toEqual([b]);
      await manager.deactivate('never-activated');
      expect(b.isLoaded).toBe(true);
      expect(c.isLoaded).toBe(false);
    });

    it('cleans up every active plugin with await using', async () => {
      const calls: Call[] = [];
      let plugins: ModelPlugin[] = [];
      {
        await using manager = managerWithPlugins(calls);
        plugins = [
          await manager.activate('generic-llama', {}),
          await manager.activate('@pio/model-llama', {}),
          await manager.activate('@pio/model-qwen3', {}),
        ];
        expect(calls.filter((call) => call.method === 'cleanup')).toEqual([]);
      }
      expect(calls.filter((call) => call.method === 'cleanup').map((call) => call.plugin)).toEqual([
        'generic-llama',
        '@pio/model-llama',
        '@pio/model-qwen3',
      ]);
      expect(plugins.map((plugin) => plugin.isLoaded)).toEqual([false, false, false]);
    });

    it('cleans up through Symbol.asyncDispose and is empty afterwards', async () => {
      const calls: Call[] = [];
      const manager = managerWithPlugins(calls);
      await manager.activate('generic-llama', {});
      await manager[Symbol.asyncDispose]();
      expect(manager.activePlugins()).toEqual([]);
      await manager[Symbol.asyncDispose]();
      expect(calls.filter((call) => call.method === 'cleanup')).toHaveLength(1);
    });
  });
});
