import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, pluginPackageJson } from '../../test/helpers/plugin-package-json.js';
import type { ModelPlugin } from '../contract/model-plugin.js';
import { NoPluginForCheckpointError } from '../errors/no-plugin-for-checkpoint-error.js';
import { detectCheckpointFormats } from './detect-checkpoint-formats.js';
import { findRemoteDescriptor } from './find-remote-descriptor.js';
import { PluginManager } from './plugin-manager.js';

const host = { coreVersion: '0.1.0', nodeVersion: '20.20.2', totalMemoryGb: 16, onnxruntimeVersion: () => '1.30.0' };
const unusedFactory = (): ModelPlugin => {
  throw new Error('not activated in these tests');
};

let root: string;
let file: string;
let folder: string;
let llamaFolder: string;

beforeAll(() => {
  root = makeTempDir('pio-remote-descriptor-');
  const descriptor = JSON.stringify({ baseUrl: 'http://127.0.0.1:8000/v1', model: 'llama' });
  file = join(root, 'cluster.remote.json');
  writeFileSync(file, descriptor);
  folder = join(root, 'cluster');
  mkdirSync(folder);
  writeFileSync(join(folder, 'pio-remote.json'), descriptor);
  // A checkpoint folder that happens to hold a config.json only is not remote.
  llamaFolder = join(root, 'llama');
  mkdirSync(llamaFolder);
  writeFileSync(join(llamaFolder, 'config.json'), JSON.stringify({ model_type: 'llama' }));
  writeFileSync(join(root, 'other.json'), descriptor);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function manager(withRemote: boolean): PluginManager {
  const result = new PluginManager({ host });
  result.register({
    packageJson: pluginPackageJson('@pio/model-llama'),
    packageDir: '/plugins/model-llama',
    factory: unusedFactory,
  });
  if (withRemote) {
    result.register({
      packageJson: pluginPackageJson('@pio/model-remote', {
        pio: { modelTypes: ['remote'], architectures: [], formats: ['remote'] },
      }),
      packageDir: '/plugins/model-remote',
      factory: unusedFactory,
    });
  }
  return result;
}

describe('remote descriptors', () => {
  it('are a *.remote.json file or a folder holding pio-remote.json, of format remote', async () => {
    expect(await findRemoteDescriptor(file)).toBe(file);
    expect(await findRemoteDescriptor(folder)).toBe(join(folder, 'pio-remote.json'));
    expect(await findRemoteDescriptor(llamaFolder)).toBeUndefined();
    expect(await findRemoteDescriptor(join(root, 'other.json'))).toBeUndefined();
    expect(await findRemoteDescriptor(join(root, 'missing.remote.json'))).toBeUndefined();
    expect(await detectCheckpointFormats(file)).toEqual(['remote']);
    expect(await detectCheckpointFormats(folder)).toEqual(['remote']);
    expect(await detectCheckpointFormats(llamaFolder)).toEqual([]);
  });

  it('go to the plugin declaring the remote format, without reading a config.json', async () => {
    const plugins = manager(true);
    expect((await plugins.findForCheckpoint(file)).metadata.name).toBe('@pio/model-remote');
    expect((await plugins.findForCheckpoint(folder)).metadata.name).toBe('@pio/model-remote');
    expect((await plugins.findForCheckpoint(llamaFolder)).metadata.name).toBe('@pio/model-llama');
  });

  it('without such a plugin, throw NoPluginForCheckpointError saying what to install', async () => {
    const error = await manager(false)
      .findForCheckpoint(file)
      .catch((thrown: unknown) => thrown);
    expect(NoPluginForCheckpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      `No installed plugin handles the checkpoint ${file} (model_type "remote")`,
    );
    expect((error as Error).message).toContain('pnpm add @pio/model-remote');
  });
});
