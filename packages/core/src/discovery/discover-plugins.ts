import { realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { IncompatiblePluginError } from '../errors/incompatible-plugin-error.js';
import { ManifestError } from '../errors/manifest-error.js';
import type { PioError } from '../errors/pio-error.js';
import { type PluginPackage, readManifest } from '../manifest/read-manifest.js';
import { checkCompatibility } from './check-compatibility.js';
import { findNodeModulesDirs, listPackageDirs } from './find-node-modules.js';
import { currentHost, type HostInfo } from './host-info.js';
import { readFilesContaining } from './read-files-containing.js';

/** A package that has a `pio` key but cannot be used as it is, or a warning about one. */
export interface DiscoveryProblem {
  /** `error`: the plugin was left out. `warning`: it was kept, but the user should know. */
  severity: 'error' | 'warning';
  /** The package (or folder name when its package.json is unreadable). */
  packageName: string;
  /** The package.json at fault. */
  file: string;
  /** The typed error, with its code, message and hint. */
  error: PioError;
}

/** What {@link discoverPlugins} found. */
export interface DiscoveryResult {
  /** Valid, compatible plugins, nearest first, one per package name. */
  plugins: PluginPackage[];
  /** Every broken, incompatible or shadowed plugin package. */
  problems: DiscoveryProblem[];
  /** The `node_modules` folders scanned, in order. */
  searched: string[];
  /** How many package folders were looked at. */
  packagesScanned: number;
  /** Wall time of the scan in milliseconds. */
  durationMs: number;
}

/** Options of {@link discoverPlugins}. */
export interface DiscoverOptions {
  /**
   * Folders to resolve from, as Node does: each one's `node_modules`, then its
   * parents'. Default: the current directory. Earlier roots win on name clashes.
   */
  roots?: readonly string[];
  /** The host to check compatibility against. Default: this process. */
  host?: HostInfo;
}

type Candidate =
  | { kind: 'plugin'; plugin: PluginPackage; realDir: string }
  | { kind: 'problem'; problem: DiscoveryProblem; realDir: string }
  | { kind: 'skip' };

/**
 * Finds installed model plugins: every package in the `node_modules` folders
 * Node would search from the roots (scoped packages included, pnpm symlinks
 * followed, `.pnpm` never entered) whose package.json has a `pio` key.
 * Manifests are validated and compatibility checked; nothing is imported.
 * Broken plugins are reported in `problems`, never thrown.
 */
export async function discoverPlugins(options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const started = performance.now();
  const host = options.host ?? currentHost();
  const roots = options.roots ?? [process.cwd()];
  const searched: string[] = [];
  for (const root of roots) {
    for (const dir of await findNodeModulesDirs(root)) if (!searched.includes(dir)) searched.push(dir);
  }
  const packageDirs = (await Promise.all(searched.map(listPackageDirs))).flat();
  // Most packages are not plugins: only files that mention "pio" are decoded and parsed.
  const texts = await readFilesContaining(
    packageDirs.map((dir) => join(dir, 'package.json')),
    '"pio"',
  );
  const candidates = await Promise.all(
    packageDirs.map((dir, index) => {
      const text = texts[index];
      return text === undefined ? skip : inspectPackage(dir, text, host);
    }),
  );

  const plugins: PluginPackage[] = [];
  const problems: DiscoveryProblem[] = [];
  const seenDirs = new Set<string>();
  const byName = new Map<string, PluginPackage>();
  for (const candidate of candidates) {
    if (candidate.kind === 'skip' || seenDirs.has(candidate.realDir)) continue;
    seenDirs.add(candidate.realDir);
    if (candidate.kind === 'problem') {
      problems.push(candidate.problem);
      continue;
    }
    const { plugin } = candidate;
    const nearer = byName.get(plugin.metadata.name);
    if (nearer) {
      problems.push(shadowedProblem(plugin, nearer));
      continue;
    }
    byName.set(plugin.metadata.name, plugin);
    plugins.push(plugin);
  }
  for (const plugin of plugins) {
    const { warnings } = checkCompatibility(plugin.metadata.compatibility, host, plugin.packageDir);
    if (warnings.length > 0) {
      problems.push({
        severity: 'warning',
        packageName: plugin.metadata.name,
        file: plugin.packageJsonPath,
        error: new IncompatiblePluginError({
          packageName: plugin.metadata.name,
          file: plugin.packageJsonPath,
          issues: warnings,
          hint: 'It may still run with a smaller checkpoint or a quantized dtype (int8 or int4); close other programs to free memory.',
        }),
      });
    }
  }
  return { plugins, problems, searched, packagesScanned: packageDirs.length, durationMs: performance.now() - started };
}

const skip: Candidate = { kind: 'skip' };

async function inspectPackage(dir: string, text: string, host: HostInfo): Promise<Candidate> {
  const realDir = await realpath(dir);
  const packageJsonPath = join(realDir, 'package.json');
  const fallbackName = folderPackageName(dir);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    const error = new ManifestError({
      packageName: fallbackName,
      file: packageJsonPath,
      issues: [{ path: '(file)', message: `is not valid JSON: ${(cause as Error).message}` }],
      hint: `Fix the JSON syntax of ${packageJsonPath}, or reinstall ${fallbackName}.`,
      cause,
    });
    return { kind: 'problem', realDir, problem: { severity: 'error', packageName: fallbackName, file: packageJsonPath, error } };
  }
  if (typeof json !== 'object' || json === null || !('pio' in json)) return skip;
  let plugin: PluginPackage;
  try {
    plugin = readManifest(json, { packageDir: realDir, packageJsonPath, fallbackName });
  } catch (error) {
    const manifestError = error as ManifestError;
    return {
      kind: 'problem',
      realDir,
      problem: { severity: 'error', packageName: manifestError.packageName, file: packageJsonPath, error: manifestError },
    };
  }
  const { errors } = checkCompatibility(plugin.metadata.compatibility, host, realDir);
  if (errors.length > 0) {
    const error = new IncompatiblePluginError({ packageName: plugin.metadata.name, file: packageJsonPath, issues: errors });
    return { kind: 'problem', realDir, problem: { severity: 'error', packageName: plugin.metadata.name, file: packageJsonPath, error } };
  }
  return { kind: 'plugin', plugin, realDir };
}

function folderPackageName(dir: string): string {
  const name = basename(dir);
  const scope = basename(join(dir, '..'));
  return scope.startsWith('@') ? `${scope}/${name}` : name;
}

function shadowedProblem(plugin: PluginPackage, nearer: PluginPackage): DiscoveryProblem {
  const error = new IncompatiblePluginError({
    packageName: plugin.metadata.name,
    file: plugin.packageJsonPath,
    issues: [
      {
        requirement: 'unique name',
        required: `one copy of ${plugin.metadata.name}`,
        found: `${nearer.metadata.version} at ${nearer.packageDir} is nearer and is used; ${plugin.metadata.version} here is ignored`,
      },
    ],
    hint: `Nothing to do if ${nearer.metadata.version} is the one you want; otherwise remove the copy in ${plugin.packageDir} or the nearer one, so only one is installed.`,
  });
  return { severity: 'warning', packageName: plugin.metadata.name, file: plugin.packageJsonPath, error };
}
