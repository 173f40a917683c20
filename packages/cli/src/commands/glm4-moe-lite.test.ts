import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointShapes, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../testing/capture-io.js';
import { runCli } from '../run-cli.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-glm-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('GLM-4.7-Flash through the CLI', () => {
  it('pio info counts its parameters (the MTP layer left out) and its compressed cache; pio run generates from it', async () => {
    const { description: _description, ...recipe } = checkpointShapes['glm-q-lora'];
    const glm = await writeRandomCheckpoint(join(root, 'glm'), { ...recipe, seed: 3 });
    const io = captureIo(root);
    expect(await runCli(['info', glm.dir, '--json'], io)).toBe(0);
    const info = JSON.parse(io.stdout) as { plugin: string; parameters: number; activeParameters: number };
    expect(info.plugin).toMatch(/^@pio\/model-glm4-moe-lite@/);
    let stored = 0;
    for (const [name, tensor] of glm.weights) if (!name.startsWith('model.layers.3.')) stored += tensor.length;
    expect(info.parameters).toBe(stored);
    // 8 routed experts, top-2, in layers 1 and 2: 6 experts per sparse layer are not read by a token.
    expect(info.activeParameters).toBe(stored - 2 * 6 * 3 * 64 * 32);

    const run = captureIo(root);
    const code = await runCli(['run', glm.dir, 'Hello', '-n', '4', '--cache-dir', join(root, 'cache')], run);
    expect(code, run.stderr).toBe(0);
    expect(run.stderr).toContain('multi-token-prediction');
  });
});
