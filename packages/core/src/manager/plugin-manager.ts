import { resolve } from 'node:path';
import type { ModelPlugin, PluginFactory, PluginInitializeOptions } from '../contract/model-plugin.js';
import { ggufArchitecturesOf } from '../contract/plugin-metadata.js';
import { checkCompatibility } from '../discovery/check-compatibility.js';
import { type DiscoveryProblem, type DiscoveryResult, discoverPlugins } from '../discovery/discover-plugins.js';
import { currentHost, type HostInfo } from '../discovery/host-info.js';
import { IncompatiblePluginError } from '../errors/incompatible-plugin-error.js';
import { NoPluginForCheckpointError } from '../errors/no-plugin-for-checkpoint-error.js';
import { UnknownPluginError } from '../errors/unknown-plugin-error.js';
import { type PluginPackage, readManifest } from '../manifest/read-manifest.js';
import { detectCheckpointFormats } from './detect-checkpoint-formats.js';
import { findGgufFile } from './find-gguf-file.js';
import { findRemoteDescriptor } from './find-remote-descriptor.js';
import { createPlugin, type LoadConditions, loadPlugin } from './load-plugin.js';
import { readCheckpointConfig } from './read-checkpoint-config.js';
import { readGgufArchitecture } from './read-gguf-architecture.js';

/** A plugin the manager knows: validated, not necessarily loaded. */
export interface PluginRecord extends PluginPackage {
  /** `discovered` in node_modules, or `registered` by code. */
  origin: 'discovered' | 'registered';
}

/** What {@link PluginManager.register} takes: a package.json with a `pio` key, and optionally the factory itself. */
export interface RegisterOptions {
  /** The parsed package.json (name, version, `pio`, `exports`). */
  packageJson: Record<string, unknown>;
  /** The package folder; the entry point is resolved from it when no `factory` is given. */
  packageDir?: string;
  /** The factory, for plugins bundled with the app instead of installed. */
  factory?: PluginFactory;
}

/** Options of {@link PluginManager}. */
export interface PluginManagerOptions {
  /** Folders to discover from (see {@link discoverPlugins}). Default: the current directory. */
  roots?: readonly string[];
  /** Host facts to check compatibility against. Default: this process. */
  host?: HostInfo;
  /**
   * Export conditions for entry points. Default `['import', 'default']`; add
   * `@pio/source` first to load plugins' TypeScript sources in tests.
   */
  conditions?: LoadConditions;
}

/**
 * Finds, registers, loads and unloads model plugins. Plugins' code is
 * imported only when {@link PluginManager.activate} is called.
 *
 * ```ts
 * await using manager = new PluginManager();
 * await manager.discover();
 * const record = await manager.findForCheckpoint('./SmolLM2-135M');
 * const plugin = await manager.activate(record.metadata.name, { checkpoint: './SmolLM2-135M' });
 * ```
 */
export class PluginManager implements AsyncDisposable {
  private readonly records = new Map<string, PluginRecord>();
  private readonly factories = new Map<string, PluginFactory>();
  private readonly active = new Map<string, Set<ModelPlugin>>();
  private discoveryProblems: DiscoveryProblem[] = [];
  private readonly options: Required<Omit<PluginManagerOptions, 'roots'>> & { roots?: readonly string[] };

  /** Creates an empty manager; call {@link PluginManager.discover} or {@link PluginManager.register}. */
  constructor(options: PluginManagerOptions = {}) {
    this.options = {
      host: options.host ?? currentHost(),
      conditions: options.conditions ?? ['import', 'default'],
      ...(options.roots ? { roots: options.roots } : {}),
    };
  }

  /** Problems of the last {@link PluginManager.discover}: broken, incompatible or shadowed plugin packages. */
  get problems(): readonly DiscoveryProblem[] {
    return this.discoveryProblems;
  }

  /**
   * Scans node_modules (see {@link discoverPlugins}) and registers every valid
   * plugin. Plugins registered by code keep precedence over discovered ones
   * of the same name.
   */
  async discover(roots: readonly string[] | undefined = this.options.roots): Promise<DiscoveryResult> {
    const result = await discoverPlugins({ host: this.options.host, ...(roots ? { roots } : {}) });
    for (const plugin of result.plugins) {
      if (this.records.get(plugin.metadata.name)?.origin !== 'registered') {
        this.records.set(plugin.metadata.name, { ...plugin, origin: 'discovered' });
      }
    }
    this.discoveryProblems = result.problems;
    return result;
  }

  /**
   * Registers a plugin by its package.json (and factory, for plugins that are
   * not installed packages).
   *
   * @throws ManifestError when the `pio` key is invalid.
   * @throws IncompatiblePluginError when the host does not meet its `compatibility`.
   */
  register(options: RegisterOptions): PluginRecord {
    const packageDir = resolve(options.packageDir ?? '.');
    const packageJsonPath = resolve(packageDir, 'package.json');
    const fallbackName = typeof options.packageJson.name === 'string' ? options.packageJson.name : '(unnamed package)';
    const pkg = readManifest(options.packageJson, { packageDir, packageJsonPath, fallbackName });
    const { errors } = checkCompatibility(pkg.metadata.compatibility, this.options.host, packageDir);
    if (errors.length > 0) {
      throw new IncompatiblePluginError({ packageName: pkg.metadata.name, file: packageJsonPath, issues: errors });
    }
    const record: PluginRecord = { ...pkg, origin: 'registered' };
    this.records.set(pkg.metadata.name, record);
    if (options.factory) this.factories.set(pkg.metadata.name, options.factory);
    else this.factories.delete(pkg.metadata.name);
    return record;
  }

  /** Every known plugin, in discovery order. */
  list(): PluginRecord[] {
    return [...this.records.values()];
  }

  /**
   * The plugin named `name`.
   *
   * @throws UnknownPluginError naming the installed plugins.
   */
  get(name: string): PluginRecord {
    const record = this.records.get(name);
    if (!record) throw new UnknownPluginError({ pluginName: name, installed: [...this.records.keys()] });
    return record;
  }

  /**
   * The plugin for a Hugging Face checkpoint folder, chosen by its weight
   * format and its `config.json`. Only plugins of the folder's format are
   * candidates ({@link detectCheckpointFormats}: safetensors files first, then
   * `onnx/*.onnx`; a plugin without `formats` runs safetensors). Among them, a
   * plugin declaring one of its `architectures` wins over one declaring its
   * `model_type`, which wins over one declaring `architectures: ["*"]`.
   *
   * A `.gguf` file (or a folder holding one GGUF, see {@link findGgufFile}) goes
   * to a plugin whose `formats` include `gguf` and whose `ggufArchitectures`
   * (default: its `modelTypes`) include the file's `general.architecture`
   * (`llama`, `qwen3`, `qwen3moe`, …).
   *
   * A remote descriptor (a `*.remote.json` file, or a folder holding
   * `pio-remote.json`, see {@link findRemoteDescriptor}) goes to the first
   * plugin whose `formats` include `remote` (`@pio/model-remote`).
   *
   * @throws CheckpointError when config.json is missing or malformed.
   * @throws NoPluginForCheckpointError naming the installed plugins.
   */
  async findForCheckpoint(checkpointDir: string): Promise<PluginRecord> {
    const remote = await findRemoteDescriptor(checkpointDir);
    if (remote) return this.findForRemote(remote);
    const ggufFile = await findGgufFile(checkpointDir);
    if (ggufFile) return this.findForGguf(ggufFile);
    const config = await readCheckpointConfig(checkpointDir);
    const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
    const architectures = Array.isArray(config.architectures)
      ? config.architectures.filter((value): value is string => typeof value === 'string')
      : [];
    const records = this.list();
    const formats = await detectCheckpointFormats(checkpointDir);
    // Without weights (a config-only folder) every plugin is a candidate, as before formats existed.
    for (const format of formats.length > 0 ? formats : [undefined]) {
      const candidates = format
        ? records.filter((record) => (record.metadata.formats ?? ['safetensors']).includes(format))
        : records;
      const byArchitecture = candidates.find((record) =>
        record.metadata.architectures.some((architecture) => architectures.includes(architecture)),
      );
      const byModelType = modelType
        ? candidates.find((record) => record.metadata.modelTypes.includes(modelType))
        : undefined;
      const anyArchitecture = candidates.find((record) => record.metadata.architectures.includes('*'));
      const found = byArchitecture ?? byModelType ?? anyArchitecture;
      if (found) return found;
    }
    throw new NoPluginForCheckpointError({
      checkpoint: resolve(checkpointDir),
      modelType,
      architectures,
      installed: records.map(({ metadata }) => ({
        name: metadata.name,
        modelTypes: metadata.modelTypes,
        architectures: metadata.architectures,
      })),
    });
  }

  private findForRemote(file: string): PluginRecord {
    const records = this.list();
    const found = records.find((record) => record.metadata.formats?.includes('remote'));
    if (found) return found;
    throw new NoPluginForCheckpointError({
      checkpoint: resolve(file),
      modelType: 'remote',
      architectures: [],
      installed: records.map(({ metadata }) => ({
        name: metadata.name,
        modelTypes: metadata.modelTypes,
        architectures: metadata.architectures,
      })),
    });
  }

  private async findForGguf(file: string): Promise<PluginRecord> {
    const architecture = await readGgufArchitecture(file);
    const records = this.list();
    const candidates = records.filter((record) => record.metadata.formats?.includes('gguf'));
    const found = candidates.find((record) => ggufArchitecturesOf(record.metadata).includes(architecture));
    if (found) return found;
    throw new NoPluginForCheckpointError({
      checkpoint: resolve(file),
      modelType: architecture,
      architectures: [],
      installed: candidates.map(({ metadata }) => ({
        name: metadata.name,
        modelTypes: metadata.modelTypes,
        architectures: metadata.architectures,
      })),
      ggufArchitectures: candidates.flatMap(({ metadata }) => ggufArchitecturesOf(metadata)),
    });
  }

  /**
   * Imports the plugin's code (first use only), creates a plugin with its
   * factory and initializes it. Each call gives a new instance.
   *
   * @throws UnknownPluginError, PluginLoadError, or what the plugin's `initialize` throws.
   */
  async activate(name: string, options: PluginInitializeOptions): Promise<ModelPlugin> {
    const record = this.get(name);
    const factory = this.factories.get(name);
    const plugin = factory
      ? await createPlugin(record, factory, record.packageJsonPath)
      : await loadPlugin(record, this.options.conditions);
    try {
      await plugin.initialize(options);
    } catch (error) {
      // Whatever initialize half-loaded (sessions, file handles) is released before the error surfaces.
      await plugin.cleanup().catch(() => undefined);
      throw error;
    }
    const instances = this.active.get(name) ?? new Set<ModelPlugin>();
    this.active.set(name, instances);
    instances.add(plugin);
    return plugin;
  }

  /** Plugins activated and not yet deactivated. */
  activePlugins(): ModelPlugin[] {
    return [...this.active.values()].flatMap((instances) => [...instances]);
  }

  /**
   * Cleans up one active plugin instance, or every instance of a plugin name.
   * Unknown names and instances are ignored.
   */
  async deactivate(target: string | ModelPlugin): Promise<void> {
    const name = typeof target === 'string' ? target : target.metadata.name;
    const instances = this.active.get(name);
    if (!instances) return;
    const victims = typeof target === 'string' ? [...instances] : instances.has(target) ? [target] : [];
    for (const plugin of victims) {
      instances.delete(plugin);
      await plugin.cleanup();
    }
    if (instances.size === 0) this.active.delete(name);
  }

  /** Cleans up every active plugin. */
  async [Symbol.asyncDispose](): Promise<void> {
    for (const name of [...this.active.keys()]) await this.deactivate(name);
  }
}
