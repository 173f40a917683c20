import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { machineInfo } from './machine-info.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

describe('machineInfo', () => {
  it('reports Node, CPUs, memory and the onnxruntime-node a package resolves (the engine)', () => {
    const info = machineInfo(join(repoRoot, 'packages', 'engine'));
    expect(info.node).toBe(process.version);
    expect(info.cpus).toBeGreaterThan(0);
    expect(info.totalMemoryBytes).toBeGreaterThan(1e8);
    expect(info.onnxruntime).toMatch(/^\d+\.\d+\.\d+/);
  });
});
