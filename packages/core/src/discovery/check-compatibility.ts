import { satisfies } from 'semver';
import type { PluginCompatibility } from '../contract/plugin-metadata.js';
import type { CompatibilityIssue } from '../errors/incompatible-plugin-error.js';
import type { HostInfo } from './host-info.js';

/** What {@link checkCompatibility} found: blocking errors and warnings. */
export interface CompatibilityReport {
  /** Unmet version requirements: the plugin must not load. */
  errors: CompatibilityIssue[];
  /** Unmet soft requirements (memory): the plugin loads, the user is told. */
  warnings: CompatibilityIssue[];
}

/**
 * Checks a plugin's `compatibility` against the host. Versions are hard
 * requirements; memory is a warning, since a smaller checkpoint or a
 * quantized dtype may still fit.
 */
export function checkCompatibility(
  compatibility: PluginCompatibility,
  host: HostInfo,
  packageDir: string,
): CompatibilityReport {
  const errors: CompatibilityIssue[] = [];
  const warnings: CompatibilityIssue[] = [];
  const check = (requirement: string, range: string | undefined, found: string | undefined) => {
    if (range === undefined || found === undefined) return;
    if (!satisfies(found, range, { includePrerelease: true })) errors.push({ requirement, required: range, found });
  };
  check('core', compatibility.core, host.coreVersion);
  check('node', compatibility.node, host.nodeVersion);
  if (compatibility.onnxruntime !== undefined) {
    check('onnxruntime', compatibility.onnxruntime, host.onnxruntimeVersion(packageDir));
  }
  if (compatibility.minMemoryGb !== undefined && host.totalMemoryGb < compatibility.minMemoryGb) {
    warnings.push({
      requirement: 'minMemoryGb',
      required: `${compatibility.minMemoryGb} GiB`,
      found: `${host.totalMemoryGb.toFixed(1)} GiB`,
    });
  }
  return { errors, warnings };
}
