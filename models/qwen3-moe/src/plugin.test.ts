import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConformance } from '@pio/conformance';
import { checkpointShapes, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll } from 'vitest';
import { createQwen3MoePlugin } from './index.js';

const root = await mkdtemp(join(tmpdir(), 'pio-qwen3-moe-conformance-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createPlugin: createQwen3MoePlugin,
  roundTrip: {
    checkpoint: async () => {
      const { description: _description, ...recipe } = checkpointShapes['qwen3-moe-norm'];
      return (await writeRandomCheckpoint(join(root, 'model'), { ...recipe, seed: 1 })).dir;
    },
    initializeOptions: { cacheDir: join(root, 'cache') },
  },
});
