import { describe, expect, it } from 'vitest';
import { pioManifest, pluginPackageJson } from '../../test/helpers/plugin-package-json.js';
import { ggufArchitecturesOf } from '../contract/plugin-metadata.js';
import { ManifestError } from '../errors/manifest-error.js';
import { readManifest } from './read-manifest.js';

const location = {
  packageDir: '/app/node_modules/@acme/model-alpha',
  packageJsonPath: '/app/node_modules/@acme/model-alpha/package.json',
  fallbackName: '@acme/model-alpha',
};

/** The ManifestError thrown by readManifest, as [path, message] rows, and the error itself. */
function manifestIssues(packageJson: Record<string, unknown>): { error: ManifestError; rows: string[][] } {
  try {
    readManifest(packageJson, location);
  } catch (error) {
    expect(ManifestError.isInstance(error)).toBe(true);
    const manifestError = error as ManifestError;
    return { error: manifestError, rows: manifestError.issues.map((issue) => [issue.path, issue.message]) };
  }
  throw new Error('expected a ManifestError');
}

describe('readManifest', () => {
  it('turns a valid package.json into metadata with the package name and version', () => {
    const packageJson = pluginPackageJson('@acme/model-alpha', { version: '2.3.4' });
    const pkg = readManifest(packageJson, location);
    expect(pkg.metadata).toEqual({
      name: '@acme/model-alpha',
      version: '2.3.4',
      type: 'model',
      displayName: 'Test Llama',
      description: 'A test plugin for Llama-shaped checkpoints.',
      author: 'PIO tests',
      license: 'MIT',
      architectures: ['LlamaForCausalLM'],
      modelTypes: ['llama'],
      family: 'Llama',
      size: '135M',
      parameters: 134515008,
      requiredMemoryGb: 0.6,
      modalities: ['text'],
      tags: ['text-generation'],
      compatibility: { core: '^0.1.0', node: '>=20' },
    });
    expect(pkg.entryPoint).toEqual({ export: '.', factory: 'createPlugin' });
    expect(pkg.packageDir).toBe(location.packageDir);
    expect(pkg.packageJsonPath).toBe(location.packageJsonPath);
    expect(pkg.packageJson).toBe(packageJson);
  });

  it('defaults tags to an empty list and accepts a subpath entry point', () => {
    const { tags: _tags, ...withoutTags } = pioManifest({ entryPoint: { export: './plugin', factory: '$create_1' } });
    const pkg = readManifest({ name: 'p', version: '0.0.1', pio: withoutTags }, location);
    expect(pkg.metadata.tags).toEqual([]);
    expect(pkg.entryPoint).toEqual({ export: './plugin', factory: '$create_1' });
  });

  it('reports every broken field with its pio. path in one ManifestError', () => {
    const { error, rows } = manifestIssues(
      pluginPackageJson('@acme/model-alpha', {
        pio: {
          specificationVersion: 'v2',
          type: 'widget',
          displayName: '  ',
          description: 42,
          architectures: 'LlamaForCausalLM',
          parameters: 1.5,
          requiredMemoryGb: -1,
          modalities: [],
          compatibility: { core: 'banana', onnxruntime: '>=1.20.0', minMemoryGb: 'lots' },
          entryPoint: { export: 'dist/index.js', factory: '1create' },
        },
      }),
    );
    expect(rows).toEqual([
      ['pio.specificationVersion', 'must be "v1", the only contract version this host supports'],
      ['pio.type', 'must be one of model, attention, memory, optimization, hardware'],
      ['pio.displayName', 'must not be empty'],
      ['pio.description', 'must be a string'],
      ['pio.architectures', 'must be a list of strings'],
      ['pio.parameters', 'must be an integer'],
      ['pio.requiredMemoryGb', 'must be >= 0'],
      ['pio.modalities', 'must name at least one modality'],
      ['pio.compatibility.core', 'must be a valid semver range, like ^0.1.0'],
      ['pio.compatibility.minMemoryGb', 'must be a number'],
      ['pio.entryPoint.export', 'must be "." or a subpath like "./plugin"'],
      ['pio.entryPoint.factory', 'must be the name of an exported function'],
    ]);
    expect(error.code).toBe('PIO_MANIFEST_INVALID');
    expect(error.packageName).toBe('@acme/model-alpha');
    expect(error.file).toBe(location.packageJsonPath);
    expect(error.message).toContain(`Invalid pio manifest in @acme/model-alpha (${location.packageJsonPath}):\n`);
    expect(error.message).toContain('\n  - pio.compatibility.core: must be a valid semver range, like ^0.1.0\n');
    expect(
      error.message.endsWith(
        '\nFix the "pio" key of that package.json (see docs/model-authors.md), or uninstall the package.',
      ),
    ).toBe(true);
  });

  it('rejects unknown keys, naming each one', () => {
    const pio = pioManifest({
      entrypoint: { export: '.', factory: 'x' },
      compatibility: { core: '^0.1.0', nod: '>=20' },
    });
    expect(manifestIssues({ name: 'p', version: '1.0.0', pio }).rows).toEqual([
      ['pio.compatibility.nod', 'is not a known key (check its spelling, or remove it)'],
      ['pio.entrypoint', 'is not a known key (check its spelling, or remove it)'],
    ]);
    const entry = pioManifest({ entryPoint: { export: '.', factory: 'f', file: 'x.js' } });
    expect(manifestIssues({ name: 'p', version: '1.0.0', pio: entry }).rows).toEqual([
      ['pio.entryPoint.file', 'is not a known key (check its spelling, or remove it)'],
    ]);
  });

  it('accepts ggufArchitectures beside the gguf format (qwen3moe for model type qwen3_moe), and refuses them without it', () => {
    const pkg = readManifest(
      {
        name: 'p',
        version: '1.0.0',
        pio: pioManifest({ formats: ['safetensors', 'gguf'], ggufArchitectures: ['qwen3moe'] }),
      },
      location,
    );
    expect(pkg.metadata.ggufArchitectures).toEqual(['qwen3moe']);
    expect(ggufArchitecturesOf(pkg.metadata)).toEqual(['qwen3moe']);
    const plain = readManifest({ name: 'p', version: '1.0.0', pio: pioManifest({ formats: ['gguf'] }) }, location);
    expect(ggufArchitecturesOf(plain.metadata)).toEqual(plain.metadata.modelTypes);
    expect(
      ggufArchitecturesOf(readManifest({ name: 'p', version: '1.0.0', pio: pioManifest() }, location).metadata),
    ).toEqual([]);
    expect(
      manifestIssues({ name: 'p', version: '1.0.0', pio: pioManifest({ ggufArchitectures: ['qwen3moe'] }) }).rows,
    ).toEqual([
      [
        'pio.ggufArchitectures',
        'names GGUF architectures, but formats does not include "gguf": add it, or remove ggufArchitectures',
      ],
    ]);
  });

  it('accepts formats (safetensors, onnx, gguf, remote) and rejects unknown or empty ones', () => {
    const pkg = readManifest({ name: 'p', version: '1.0.0', pio: pioManifest({ formats: ['onnx'] }) }, location);
    expect(pkg.metadata.formats).toEqual(['onnx']);
    const gguf = readManifest(
      { name: 'p', version: '1.0.0', pio: pioManifest({ formats: ['safetensors', 'gguf'] }) },
      location,
    );
    expect(gguf.metadata.formats).toEqual(['safetensors', 'gguf']);
    const remote = readManifest({ name: 'p', version: '1.0.0', pio: pioManifest({ formats: ['remote'] }) }, location);
    expect(remote.metadata.formats).toEqual(['remote']);
    expect(manifestIssues({ name: 'p', version: '1.0.0', pio: pioManifest({ formats: ['ggml'] }) }).rows).toEqual([
      ['pio.formats.0', 'must be one of safetensors, onnx, gguf, remote'],
    ]);
    expect(manifestIssues({ name: 'p', version: '1.0.0', pio: pioManifest({ formats: [] }) }).rows).toEqual([
      ['pio.formats', 'must name at least one format'],
    ]);
  });

  it('rejects bad semver ranges wherever they are', () => {
    const pio = pioManifest({ compatibility: { core: '', node: 'twenty', onnxruntime: '>=1.x.y.z' } });
    expect(manifestIssues({ name: 'p', version: '1.0.0', pio }).rows).toEqual([
      ['pio.compatibility.core', 'must not be empty'],
      ['pio.compatibility.node', 'must be a valid semver range, like ^0.1.0'],
      ['pio.compatibility.onnxruntime', 'must be a valid semver range, like ^0.1.0'],
    ]);
  });

  it('needs a name and a version, and names the folder when the name is missing', () => {
    const { error, rows } = manifestIssues({ version: '', pio: pioManifest() });
    expect(rows).toEqual([
      ['name', 'must be the package name (a non-empty string)'],
      ['version', 'must be the package version (a non-empty string)'],
    ]);
    expect(error.packageName).toBe('@acme/model-alpha');
    expect(manifestIssues({ name: 7, version: '1.0.0', pio: pioManifest() }).rows).toEqual([
      ['name', 'must be the package name (a non-empty string)'],
    ]);
  });

  it('needs the manifest to be an object with every required key', () => {
    expect(manifestIssues({ name: 'p', version: '1.0.0' }).rows).toEqual([
      ['pio', 'must be an object: the plugin manifest (see docs/model-authors.md)'],
    ]);
    expect(manifestIssues({ name: 'p', version: '1.0.0', pio: ['v1'] }).rows).toEqual([
      ['pio', 'must be an object: the plugin manifest (see docs/model-authors.md)'],
    ]);
    expect(
      manifestIssues({ name: 'p', version: '1.0.0', pio: { specificationVersion: 'v1', type: 'model' } }).rows,
    ).toEqual([
      ['pio.displayName', 'must be a string'],
      ['pio.description', 'must be a string'],
      ['pio.author', 'must be a string'],
      ['pio.license', 'must be a string'],
      ['pio.architectures', 'must be a list of strings'],
      ['pio.modelTypes', 'must be a list of strings'],
      ['pio.family', 'must be a string'],
      ['pio.size', 'must be a string'],
      ['pio.parameters', 'must be a number'],
      ['pio.requiredMemoryGb', 'must be a number'],
      ['pio.modalities', 'must be a list of modalities (text, image, audio, video)'],
      ['pio.compatibility', 'must be an object with at least "core" (a semver range of @pio/core)'],
      ['pio.entryPoint', 'must be an object with "export" and "factory"'],
    ]);
  });

  it('needs a model plugin to handle at least one model type or architecture', () => {
    expect(manifestIssues(pluginPackageJson('p', { pio: { architectures: [], modelTypes: [] } })).rows).toEqual([
      ['pio.modelTypes', 'a model plugin must declare at least one modelTypes or architectures value'],
    ]);
    // Other plugin types need not.
    const attention = readManifest(
      pluginPackageJson('p', { pio: { type: 'attention', architectures: [], modelTypes: [] } }),
      location,
    );
    expect(attention.metadata.type).toBe('attention');
  });
});
