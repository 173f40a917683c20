import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { MachineInfo } from './benchmark-report.js';

/**
 * Where a benchmark runs: Node version, OS, CPU model and count, total
 * memory, and the `onnxruntime-node` version the model package resolves
 * (`unknown` when it resolves none).
 *
 * @param packageDir - The model package folder, from which `onnxruntime-node` is resolved.
 */
export function machineInfo(packageDir: string): MachineInfo {
  let onnxruntime = 'unknown';
  try {
    const require = createRequire(join(packageDir, 'package.json'));
    const manifest = JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as {
      version?: string;
    };
    onnxruntime = manifest.version ?? onnxruntime;
  } catch {
    // A package that does not depend on onnxruntime-node: the field says so.
  }
  return {
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: availableParallelism(),
    totalMemoryBytes: totalmem(),
    onnxruntime,
  };
}
