import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

/** The CPU features onnxruntime's fast kernels use (x86 AVX families, Arm dot product and SVE). */
export const relevantCpuFlags: readonly string[] = [
  'avx',
  'avx2',
  'fma',
  'f16c',
  'avx512f',
  'avx512bw',
  'avx512_vnni',
  'avx512_bf16',
  'avx_vnni',
  'amx_tile',
  'asimd',
  'asimddp',
  'sve',
];

/** What `pio doctor` reports about the CPU. */
export interface CpuInfo {
  /** The model name, for example `AMD EPYC 7B13`. */
  model: string;
  /** Logical CPUs this process may use. */
  cores: number;
  /** Of {@link relevantCpuFlags}, the ones the CPU has (Linux: from /proc/cpuinfo; empty elsewhere). */
  flags: string[];
  /** True when the flags could be read. */
  flagsKnown: boolean;
}

/**
 * The CPU model, core count and relevant feature flags.
 *
 * @param cpuinfo - The text of `/proc/cpuinfo`; read from the system when absent (and empty off Linux).
 */
export function cpuInfo(cpuinfo: string | undefined = readCpuinfo()): CpuInfo {
  const present = new Set<string>();
  let known = false;
  for (const line of (cpuinfo ?? '').split('\n')) {
    // x86 says `flags`, Arm says `Features`; every core repeats them.
    const match = /^(flags|Features)\s*:\s*(.*)$/.exec(line);
    if (!match) continue;
    known = true;
    for (const flag of match[2]!.split(/\s+/)) present.add(flag);
  }
  return {
    model: cpus()[0]?.model.trim() || 'unknown',
    cores: availableParallelism(),
    flags: relevantCpuFlags.filter((flag) => present.has(flag)),
    flagsKnown: known,
  };
}

function readCpuinfo(): string | undefined {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
}
