import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, freemem, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultCacheDir, discoverPlugins } from '@pio/core';
import { type CpuInfo, cpuInfo } from '../doctor/cpu-info.js';
import { identityModelBytes } from '../doctor/identity-model.js';
import { formatBytes } from '../format-bytes.js';
import type { CliIo } from '../io.js';
import { cliDiscoveryRoots } from './list.js';

/** Options of `pio doctor`. */
export interface DoctorOptions {
  /** Print one JSON object. */
  json?: boolean;
}

/** An execution provider of onnxruntime-node and whether a session could be created with it. */
export interface ExecutionProviderCheck {
  /** `cpu`, `webgpu`, `cuda`, ... */
  name: string;
  /** Whether its library ships inside onnxruntime-node. */
  bundled: boolean;
  /** True when a tiny session was created and run with it alone. */
  works: boolean;
  /** Why not, first line of the error. */
  error?: string;
}

/** Everything `pio doctor` checks. */
export interface DoctorReport {
  /** False when something is broken (see `issues`). */
  ok: boolean;
  /** What is broken; empty when `ok`. */
  issues: string[];
  node: { version: string; supported: boolean; required: string };
  platform: { os: string; release: string; arch: string };
  cpu: CpuInfo;
  memory: { totalBytes: number; freeBytes: number };
  onnxruntime: { version: string | null; from: string | null; executionProviders: ExecutionProviderCheck[] };
  cache: { dir: string; exists: boolean; bytes: number; files: number };
  plugins: { name: string; version: string; packageDir: string }[];
  problems: { severity: string; packageName: string | undefined; code: string; message: string }[];
}

const requiredNodeMajor = 20;

/**
 * `pio doctor`: the machine, onnxruntime-node and its working execution
 * providers, the build cache and the installed plugins.
 *
 * @returns 0, or 1 when something is broken: an unsupported Node, no
 *   onnxruntime-node, no working CPU provider, or a broken plugin package.
 */
export async function doctorCommand(io: CliIo, options: DoctorOptions = {}): Promise<number> {
  const report = await diagnose(io);
  if (options.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(formatReport(report));
  return report.ok ? 0 : 1;
}

/** Runs every check of `pio doctor`. */
export async function diagnose(io: CliIo): Promise<DoctorReport> {
  const issues: string[] = [];
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  const supported = nodeMajor >= requiredNodeMajor;
  if (!supported) issues.push(`Node ${process.version} is too old: PIO needs Node >= ${requiredNodeMajor}.`);

  const discovery = await discoverPlugins({ roots: cliDiscoveryRoots(io) });
  const plugins = discovery.plugins.map((plugin) => ({
    name: plugin.metadata.name,
    version: plugin.metadata.version,
    packageDir: plugin.packageDir,
  }));
  const problems = discovery.problems.map((problem) => ({
    severity: problem.severity,
    packageName: problem.packageName,
    code: problem.error.code,
    message: problem.error.message.split('\n')[0]!,
  }));
  for (const problem of problems) {
    if (problem.severity === 'error') issues.push(`Plugin ${problem.packageName ?? '(unknown)'}: ${problem.message}`);
  }
  if (plugins.length === 0) issues.push('No model plugins are installed (for example: npm install @pio/model-llama).');

  const onnxruntime = await checkOnnxruntime(plugins.map((plugin) => plugin.packageDir));
  if (onnxruntime.version === null) issues.push('onnxruntime-node cannot be found from the installed plugins.');
  else if (!onnxruntime.executionProviders.some((provider) => provider.name === 'cpu' && provider.works)) {
    issues.push('onnxruntime-node cannot create a session on the CPU.');
  }

  const cacheDir = defaultCacheDir();
  return {
    ok: issues.length === 0,
    issues,
    node: { version: process.version, supported, required: `>=${requiredNodeMajor}` },
    platform: { os: platform(), release: release(), arch: arch() },
    cpu: cpuInfo(),
    memory: { totalBytes: totalmem(), freeBytes: freemem() },
    onnxruntime,
    cache: { dir: cacheDir, exists: existsSync(cacheDir), ...(await folderSize(cacheDir)) },
    plugins,
    problems,
  };
}

interface OnnxruntimeModule {
  listSupportedBackends?: () => { name: string; bundled: boolean }[];
  env: { logLevel?: string };
  InferenceSession: {
    create(
      model: Uint8Array,
      options: Record<string, unknown>,
    ): Promise<{
      run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
      release(): Promise<void>;
    }>;
  };
  Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown;
}

/** Finds onnxruntime-node the way the plugins load it (directly, or through @pio/engine) and tries each provider. */
async function checkOnnxruntime(pluginDirs: readonly string[]): Promise<DoctorReport['onnxruntime']> {
  const found = findOnnxruntime(pluginDirs);
  if (!found) return { version: null, from: null, executionProviders: [] };
  const ort = found.require('onnxruntime-node') as OnnxruntimeModule;
  const version = (found.require('onnxruntime-node/package.json') as { version: string }).version;
  ort.env.logLevel = 'fatal';
  const backends = ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
  const executionProviders: ExecutionProviderCheck[] = [];
  for (const backend of backends) {
    try {
      const session = await ort.InferenceSession.create(identityModelBytes(), {
        executionProviders: [backend.name],
        logSeverityLevel: 4,
      });
      try {
        await session.run({ x: new ort.Tensor('float32', new Float32Array([1]), [1]) });
      } finally {
        await session.release();
      }
      executionProviders.push({ name: backend.name, bundled: backend.bundled, works: true });
    } catch (error) {
      const message = String((error as Error)?.message ?? error)
        .split('\n')[0]!
        .slice(0, 200);
      executionProviders.push({ name: backend.name, bundled: backend.bundled, works: false, error: message });
    }
  }
  return { version, from: found.dir, executionProviders };
}

function findOnnxruntime(pluginDirs: readonly string[]): { require: NodeJS.Require; dir: string } | undefined {
  for (const dir of pluginDirs) {
    const fromPlugin = createRequire(join(dir, 'package.json'));
    for (const via of [undefined, '@pio/engine/package.json']) {
      try {
        const base = via ? createRequire(fromPlugin.resolve(via)) : fromPlugin;
        const manifest = base.resolve('onnxruntime-node/package.json');
        return { require: base, dir: dirname(manifest) };
      } catch {
        // try the next way
      }
    }
  }
  return undefined;
}

/** Bytes and number of files under `dir` (0 when it does not exist). */
async function folderSize(dir: string): Promise<{ bytes: number; files: number }> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return { bytes: 0, files: 0 };
  }
  let bytes = 0;
  let files = 0;
  for (const entry of entries) {
    try {
      const info = await stat(join(dir, entry));
      if (info.isFile()) {
        bytes += info.size;
        files++;
      }
    } catch {
      // removed while we looked
    }
  }
  return { bytes, files };
}

function formatReport(report: DoctorReport): string {
  const yes = (value: boolean) => (value ? 'ok' : 'BROKEN');
  const lines = [
    `Node        ${report.node.version} (${yes(report.node.supported)}; needs ${report.node.required})`,
    `Platform    ${report.platform.os} ${report.platform.release} ${report.platform.arch}`,
    `CPU         ${report.cpu.model}, ${report.cpu.cores} cores`,
    `CPU flags   ${report.cpu.flagsKnown ? report.cpu.flags.join(' ') || '(none of the ones that matter)' : 'unknown on this platform'}`,
    `Memory      ${formatBytes(report.memory.freeBytes)} free of ${formatBytes(report.memory.totalBytes)}`,
    `onnxruntime ${report.onnxruntime.version ?? 'NOT FOUND'}${report.onnxruntime.from ? ` (${report.onnxruntime.from})` : ''}`,
    ...report.onnxruntime.executionProviders.map(
      (provider) => `  ${provider.name.padEnd(9)} ${provider.works ? 'works' : `unavailable: ${provider.error}`}`,
    ),
    `Cache       ${report.cache.dir} (${report.cache.exists ? `${formatBytes(report.cache.bytes)} in ${report.cache.files} files` : 'not created yet'})`,
    `Plugins     ${report.plugins.length ? report.plugins.map((plugin) => `${plugin.name}@${plugin.version}`).join(', ') : 'none'}`,
    ...report.problems.map((problem) => `  ${problem.severity}: ${problem.message}`),
    '',
    report.ok ? 'Everything needed works.' : `Problems:\n${report.issues.map((issue) => `  - ${issue}`).join('\n')}`,
  ];
  return `${lines.join('\n')}\n`;
}
