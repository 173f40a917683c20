import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { coreVersion } from '../version.js';

/** What the host offers, checked against a plugin's `compatibility`. */
export interface HostInfo {
  /** Version of `@pio/core`. */
  coreVersion: string;
  /** Version of Node.js. */
  nodeVersion: string;
  /** Total system memory in GiB. */
  totalMemoryGb: number;
  /**
   * Version of `onnxruntime-node` as resolved from a plugin's folder, or
   * undefined when it cannot be resolved from there (then the check is skipped).
   */
  onnxruntimeVersion(packageDir: string): string | undefined;
}

/** The {@link HostInfo} of this process. */
export function currentHost(): HostInfo {
  return {
    coreVersion,
    nodeVersion: process.versions.node,
    totalMemoryGb: totalmem() / 1024 ** 3,
    onnxruntimeVersion: (packageDir) => {
      try {
        const require = createRequire(join(packageDir, 'package.json'));
        const entry = require.resolve('onnxruntime-node/package.json');
        return (JSON.parse(readFileSync(entry, 'utf8')) as { version?: string }).version;
      } catch {
        return undefined;
      }
    },
  };
}
