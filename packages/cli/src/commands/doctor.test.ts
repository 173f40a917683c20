import { describe, expect, it } from 'vitest';
import { cpuInfo } from '../doctor/cpu-info.js';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import type { DoctorReport } from './doctor.js';

describe('pio doctor', () => {
  it('reports Node, the CPU, onnxruntime-node with a working CPU provider, the cache and the plugins', async () => {
    const io = captureIo(process.cwd());
    const code = await runCli(['doctor', '--json'], io);
    const report = JSON.parse(io.stdout) as DoctorReport;
    expect(code).toBe(report.ok ? 0 : 1);
    expect(report.ok).toBe(report.issues.length === 0);
    expect(report.node.version).toBe(process.version);
    expect(report.onnxruntime.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.onnxruntime.executionProviders.find((provider) => provider.name === 'cpu')?.works).toBe(true);
    expect(report.plugins.map((plugin) => plugin.name)).toContain('@pio/model-llama');
    expect(report.cpu.cores).toBeGreaterThan(0);
    expect(report.memory.totalBytes).toBeGreaterThan(0);

    const text = captureIo(process.cwd());
    expect(await runCli(['doctor'], text)).toBe(code);
    expect(text.stdout).toMatch(/onnxruntime \d+\.\d+\.\d+/);
    expect(text.stdout).toMatch(/\n {2}cpu {7}works\n/);
  });

  it('reads the feature flags that matter from /proc/cpuinfo (x86 flags, Arm features)', () => {
    const x86 = cpuInfo('processor : 0\nflags : fpu sse avx avx2 fma avx512f avx512_vnni\nprocessor : 1\nflags : fpu sse avx avx2 fma avx512f avx512_vnni\n');
    expect(x86.flags).toEqual(['avx', 'avx2', 'fma', 'avx512f', 'avx512_vnni']);
    expect(x86.flagsKnown).toBe(true);
    expect(cpuInfo('Features : fp asimd asimddp sve\n').flags).toEqual(['asimd', 'asimddp', 'sve']);
    expect(cpuInfo('').flagsKnown).toBe(false);
  });
});
